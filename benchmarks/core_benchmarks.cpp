// Micro-benchmarks of the request path's CPU work, without NGINX: each
// provider adapter (JSON parse + mapping), the Voxfra signature check, the
// record writer, and the whole Ingestor::process. `scripts/bench` runs them
// after the HTTP benchmark; they explain where a request's CPU goes.
//
// Per-request memory comes from a monotonic arena over a fixed buffer that is
// released after every iteration, as NGINX's request pool is.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory_resource>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/signature.h"
#include "auth/signature_voxfra.h"
#include "base/provider.h"
#include "ingest/ingest.h"
#include "providers/adapter.h"
#include "record/call_record.h"
#include "util/json_writer.h"

namespace voxfra {
namespace {

namespace fs = std::filesystem;

// A request's arena: what the module takes from the request pool.
class Arena {
 public:
  Arena() : buffer_(std::make_unique<std::array<std::byte, 1 << 18>>()),
            mem_(buffer_->data(), buffer_->size(), std::pmr::null_memory_resource()) {}
  std::pmr::memory_resource* get() { return &mem_; }
  void reset() { mem_.release(); }

 private:
  std::unique_ptr<std::array<std::byte, 1 << 18>> buffer_;
  std::pmr::monotonic_buffer_resource mem_;
};

// Request headers, looked up case-insensitively as NGINX's are.
class Headers final : public HeaderLookup {
 public:
  void set(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
  std::string_view get(std::string_view name) const override {
    for (const auto& [k, v] : items_) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          })) {
        return v;
      }
    }
    return {};
  }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The body with kBodyPadding readable zero bytes after it, as the glue
// hands it to the core.
struct PaddedBody {
  explicit PaddedBody(std::string text) : bytes(std::move(text)), size(bytes.size()) {
    bytes.append(kBodyPadding, '\0');
  }
  std::string_view view() const { return {bytes.data(), size}; }
  std::string bytes;
  std::size_t size;
};

// JSON string content of exactly `n` bytes, a transcript as providers send
// one (and as scripts/bench's wrk script does): one line a turn, each line
// ended by an escaped newline that the record writer escapes again.
std::string conversation(std::size_t n) {
  static constexpr std::string_view kUnit =
      "Agent: Thanks for calling, how can I help you today?\\n"
      "User: I would like to move my appointment to Friday morning, please.\\n";
  std::string out;
  while (out.size() < n) out += kUnit;
  out.resize(n);
  // Never end on half an escape: a lone backslash would eat the quote.
  if (!out.empty() && out.back() == '\\') out.back() = ' ';
  return out;
}

// The Vapi fixture grown to `target` bytes: more artifact.messages, then a
// longer transcript, as a long real call looks.
std::string vapi_body(std::size_t target) {
  std::string body = slurp(fs::path(VOXFRA_FIXTURES) / "vapi" / "end-of-call-report.json");
  const std::string messages = "\"messages\":[";
  std::size_t at = body.find(messages);
  if (at == std::string::npos) throw std::runtime_error("vapi fixture has no artifact.messages");
  at += messages.size();
  const std::string pair =
      R"({"role":"bot","message":"Sure, which day would suit you better?","time":1732350082512,"endTime":1732350083900,"secondsFromStart":0.4},)"
      R"({"role":"user","message":"Friday morning if you have anything, please.","time":1732350085010,"endTime":1732350086200,"secondsFromStart":2.9},)";
  while (body.size() + pair.size() + 64 <= target) body.insert(at, pair);
  const std::string transcript = "\"transcript\":\"";
  std::size_t t = body.find(transcript);
  if (t == std::string::npos) throw std::runtime_error("vapi fixture has no artifact.transcript");
  if (body.size() < target) body.insert(t + transcript.size(), conversation(target - body.size()));
  return body;
}

// A `custom` report of `target` bytes laid out as scripts/bench's wrk
// script sends it: a long transcript, the callId last.
std::string custom_body(std::size_t target) {
  std::string head =
      R"({"event":"call.ended","startedAt":"2026-11-23T10:00:00Z","endedAt":"2026-11-23T10:03:20Z",)"
      R"("direction":"outbound","fromNumber":"+14155550100","toNumber":"+14155550123",)"
      R"("agentId":"bench-agent","status":"completed","outcome":"booked","summary":"A benchmark call.",)"
      R"("transcript":")";
  std::string tail = R"(","callId":"bench-01-0000000001"})";
  std::size_t fixed = head.size() + tail.size();
  return head + conversation(target > fixed ? target - fixed : 0) + tail;
}

EndpointView endpoint_for(Provider p) {
  EndpointView e;
  e.id = "ep_0123456789abcdef";
  e.org = "acme";
  e.client = "dental";
  e.provider = p;
  e.status = EndpointStatus::active;
  return e;
}

constexpr std::string_view kSecret = "whsec_btv-6NiT8qkV-iCBIDkbbNcLQype4n941aRastZIy54";
constexpr std::int64_t kSignedAt = 1795000000;  // unix seconds
constexpr UnixMillis kNow = kSignedAt * 1000 + 250;

// ---------------------------------------------------------------------------
// Adapters: simdjson parse + the provider's mapping, on its fixture.

struct AdapterCase {
  Provider provider;
  std::string fixture_name;
  PaddedBody body;
};

// The first fixture (by name) in tests/fixtures/<provider>/ that the adapter
// maps as an end-of-call report: the representative path.
bool pick_fixture(AdapterFn adapter, const fs::path& dir, std::string& name, std::string& text) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    // Not the records the fixtures must become (*.expected.json).
    if (entry.path().extension() == ".json" && entry.path().stem().extension() != ".expected") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  simdjson::dom::parser parser;
  for (const auto& file : files) {
    std::string candidate = slurp(file);
    simdjson::dom::element root;
    if (parser.parse(candidate).get(root)) continue;
    std::pmr::monotonic_buffer_resource mem;
    Payload payload(root, &mem, nullptr);
    CallRecord record(&mem);
    if (adapter(payload, record) == Verdict::end_of_call && !payload.has_problems()) {
      name = file.filename().string();
      text = std::move(candidate);
      return true;
    }
  }
  return false;
}

void BM_Adapter(benchmark::State& state, const AdapterCase* c) {
  const AdapterFn adapter = adapter_for(c->provider);
  simdjson::dom::parser parser;
  Arena arena;
  for (auto _ : state) {
    simdjson::dom::element root;
    if (parser.parse(c->body.bytes.data(), c->body.size, false).get(root)) {
      state.SkipWithError("fixture does not parse");
      break;
    }
    Payload payload(root, arena.get(), nullptr);
    CallRecord record(arena.get());
    Verdict v = adapter(payload, record);
    benchmark::DoNotOptimize(v);
    benchmark::DoNotOptimize(record.call_id.data());
    arena.reset();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c->body.size));
  state.SetLabel(c->fixture_name + ", " + std::to_string(c->body.size) + " B");
}

// ---------------------------------------------------------------------------
// The Voxfra signature check (HMAC-SHA256 over "<t>.<body>").

void BM_SignatureVerify(benchmark::State& state) {
  const std::size_t size = static_cast<std::size_t>(state.range(0));
  const std::string body = custom_body(size);
  Headers headers;
  headers.set("Content-Type", "application/json");
  headers.set(std::string(kVoxfraSignatureHeader), sign_voxfra(kSecret, kSignedAt, body));
  EndpointView endpoint = endpoint_for(Provider::custom);
  endpoint.secrets[0] = {kSecret, 0};
  endpoint.secret_count = 1;
  SignatureRequest request{&headers, body, kNow, &endpoint};
  if (voxfra_signature_scheme().verify(request) != SignatureCheck::ok) {
    state.SkipWithError("the signature does not verify");
    return;
  }
  for (auto _ : state) {
    SignatureCheck check = voxfra_signature_scheme().verify(request);
    benchmark::DoNotOptimize(check);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_SignatureVerify)->Arg(2048)->Arg(8192);

// ---------------------------------------------------------------------------
// The record writer: a mapped record serialized into a pmr string.

void BM_WriteCallRecord(benchmark::State& state, Provider provider, std::string text) {
  PaddedBody body(std::move(text));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.bytes.data(), body.size, false).get(root)) {
    state.SkipWithError("body does not parse");
    return;
  }
  std::pmr::monotonic_buffer_resource record_mem;
  Payload payload(root, &record_mem, nullptr);
  CallRecord record(&record_mem);
  if (adapter_for(provider)(payload, record) != Verdict::end_of_call) {
    state.SkipWithError("body is not an end-of-call report");
    return;
  }
  RecordContext ctx;
  ctx.request_id = "9a1d0c3e6f2b4a58b7c1e0d2f3a4b5c6";
  ctx.received_at = kNow;
  ctx.org = "acme";
  ctx.client = "dental";
  ctx.endpoint_id = "ep_0123456789abcdef";
  ctx.provider = provider_name(provider);
  Arena arena;
  std::size_t written = 0;
  for (auto _ : state) {
    std::pmr::string out(arena.get());
    out.reserve(1024 + body.size / 2);  // as Ingestor::process reserves
    JsonWriter w(out);
    write_call_record(w, ctx, record);
    written = out.size();
    benchmark::DoNotOptimize(out.data());
    arena.reset();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * written));
  state.SetLabel(std::to_string(written) + " B record");
}

// ---------------------------------------------------------------------------
// The whole core path of one request: Ingestor::process (signature when the
// endpoint has a secret, parse, adapter, record, idempotency key).

void BM_IngestProcess(benchmark::State& state, Provider provider, std::string text, bool signed_body) {
  PaddedBody body(std::move(text));
  Headers headers;
  headers.set("Content-Type", "application/json");
  EndpointView endpoint = endpoint_for(provider);
  if (signed_body) {
    headers.set(std::string(kVoxfraSignatureHeader), sign_voxfra(kSecret, kSignedAt, body.view()));
    endpoint.secrets[0] = {kSecret, 0};
    endpoint.secret_count = 1;
  }
  IngestRequest request;
  request.request_id = "9a1d0c3e6f2b4a58b7c1e0d2f3a4b5c6";
  request.received_at = kNow;
  request.headers = &headers;
  request.body = body.bytes.data();
  request.body_size = body.size;
  Ingestor ingestor;
  Arena arena;
  {
    IngestResult r = ingestor.process(endpoint, request, arena.get());
    if (r.outcome != Outcome::accepted) {
      state.SkipWithError("the body is not accepted");
      return;
    }
    arena.reset();
  }
  for (auto _ : state) {
    IngestResult r = ingestor.process(endpoint, request, arena.get());
    benchmark::DoNotOptimize(r.call.record_json.data());
    arena.reset();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size));
  state.SetLabel(std::to_string(body.size) + " B body");
}

// ---------------------------------------------------------------------------
// Registration: one case per row of the provider table (base/provider.h),
// so that a new provider is benchmarked without touching this file.

std::vector<std::unique_ptr<AdapterCase>>& adapter_cases() {
  static std::vector<std::unique_ptr<AdapterCase>> cases;
  return cases;
}

void register_bodies();

int register_dynamic() {
  const fs::path fixtures(VOXFRA_FIXTURES);
  for (Provider provider : kAllProviders) {
    const std::string_view name = provider_name(provider);
    std::string fixture, text;
    if (!pick_fixture(adapter_for(provider), fixtures / std::string(name), fixture, text)) {
      benchmark::RegisterBenchmark(("BM_Adapter/" + std::string(name)).c_str(), [](benchmark::State& s) {
        s.SkipWithError("no end-of-call fixture in tests/fixtures/<provider>/");
        for (auto _ : s) {
        }
      });
      continue;
    }
    adapter_cases().push_back(std::make_unique<AdapterCase>(AdapterCase{provider, fixture, PaddedBody(text)}));
    benchmark::RegisterBenchmark(("BM_Adapter/" + std::string(name)).c_str(), BM_Adapter,
                                 adapter_cases().back().get());
  }

  try {
    register_bodies();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "voxfra_benchmarks: %s\n", e.what());
  }
  return 0;
}

void register_bodies() {
  benchmark::RegisterBenchmark("BM_WriteCallRecord/vapi_8k", BM_WriteCallRecord, Provider::vapi, vapi_body(8192));
  benchmark::RegisterBenchmark("BM_WriteCallRecord/custom_8k", BM_WriteCallRecord, Provider::custom,
                               custom_body(8192));
  benchmark::RegisterBenchmark("BM_IngestProcess/vapi_8k", BM_IngestProcess, Provider::vapi, vapi_body(8192),
                               false);
  benchmark::RegisterBenchmark("BM_IngestProcess/custom_2k_signed", BM_IngestProcess, Provider::custom,
                               custom_body(2048), true);
  benchmark::RegisterBenchmark("BM_IngestProcess/custom_8k_signed", BM_IngestProcess, Provider::custom,
                               custom_body(8192), true);
}

const int kRegistered = register_dynamic();

}  // namespace
}  // namespace voxfra
