// HMAC-SHA256 as a signature check computes it ("<t>.<body>" under the
// endpoint's secret): Voxfra's own path (util/hmac.cpp: SHA256_* on the
// stack, no allocation) against OpenSSL 3's EVP_MAC with one context reused
// for every message, re-keyed each time as a request for another endpoint
// would need. `allocs` counts OpenSSL's mallocs an HMAC.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/hmac.h"

namespace {

std::atomic<long> openssl_allocs{0};

void* counting_malloc(std::size_t n, const char*, int) {
  openssl_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
void* counting_realloc(void* p, std::size_t n, const char*, int) {
  openssl_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
void plain_free(void* p, const char*, int) { std::free(p); }

// Before OpenSSL allocates anything (it refuses once it has).
[[maybe_unused]] const bool kCounting = CRYPTO_set_mem_functions(counting_malloc, counting_realloc, plain_free) == 1;

constexpr std::string_view kSecret = "whsec_0123456789abcdef0123456789abcdef";
constexpr std::string_view kTimestamp = "1732350000";

void BM_Hmac_Voxfra(benchmark::State& state) {
  const std::string body(static_cast<std::size_t>(state.range(0)), 'x');
  const long before = openssl_allocs.load();
  for (auto _ : state) {
    voxfra::Sha256Digest mac = voxfra::hmac_sha256(kSecret, {kTimestamp, ".", body});
    benchmark::DoNotOptimize(mac);
  }
  state.counters["allocs"] = benchmark::Counter(static_cast<double>(openssl_allocs.load() - before),
                                                benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Hmac_Voxfra)->Arg(2048)->Arg(8192);

void BM_Hmac_EvpMacReused(benchmark::State& state) {
  const std::string body(static_cast<std::size_t>(state.range(0)), 'x');
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  EVP_MAC_CTX_set_params(ctx, params);
  const long before = openssl_allocs.load();
  for (auto _ : state) {
    unsigned char out[32];
    std::size_t size = 0;
    EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(kSecret.data()), kSecret.size(), nullptr);
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(kTimestamp.data()), kTimestamp.size());
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>("."), 1);
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(body.data()), body.size());
    EVP_MAC_final(ctx, out, &size, sizeof out);
    benchmark::DoNotOptimize(out);
  }
  state.counters["allocs"] = benchmark::Counter(static_cast<double>(openssl_allocs.load() - before),
                                                benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(state.iterations() * state.range(0));
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
}
BENCHMARK(BM_Hmac_EvpMacReused)->Arg(2048)->Arg(8192);

}  // namespace
