// Micro-benchmarks of the write path's LMDB side: Store::append_calls, the
// group commit, with batches of 1, 16 and 64 calls of an 8 KB record, without
// fsync (durability=os) and with it (durability=fsync). Time per batch;
// items/s are calls stored a second of wall time (UseRealTime: a synced
// commit waits for the disk, not the CPU). The environment lives in a temporary
// directory under $TMPDIR (or /tmp), removed at the end, so the fsync figures
// are those of that file system.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace voxfra {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/voxfra-bench-store-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void BM_StoreAppend(benchmark::State& state, bool sync) {
  const std::size_t batch = static_cast<std::size_t>(state.range(0));
  TempDir dir;
  StoreOptions options;
  options.path = dir.path() + "/env";
  options.map_size = 8ULL << 30;
  options.sync_commits = sync;
  options.create = true;
  Store store(options);

  // An 8 KB record, as the 8 KB bodies of scripts/bench make.
  std::string record = "{\"requestId\":\"9a1d0c3e6f2b4a58b7c1e0d2f3a4b5c6\",\"transcript\":\"";
  record.append(8192, 'a');
  record += "\"}";

  std::vector<PendingCall> calls(batch);
  std::vector<PendingCall*> pointers(batch);
  std::vector<std::string> keys(batch);
  std::vector<std::string> ids(batch);
  std::uint64_t counter = 0;
  const UnixMillis now = 1795000000000;
  for (auto _ : state) {
    state.PauseTiming();
    for (std::size_t i = 0; i < batch; ++i) {
      ids[i] = "call-" + std::to_string(++counter);
      keys[i].clear();
      make_idempotency_key(keys[i], "acme", "dental", Provider::custom, ids[i], "call.ended");
      calls[i] = PendingCall{};
      calls[i].idempotency_key = keys[i];
      calls[i].record_json = record;
      calls[i].provider = Provider::custom;
      calls[i].received_at = now;
      calls[i].org = "acme";
      calls[i].client = "dental";
      calls[i].call_id = ids[i];
      calls[i].event = "call.ended";
      pointers[i] = &calls[i];
    }
    state.ResumeTiming();
    store.append_calls(pointers.data(), batch, now, 24LL * 3600 * 1000);
    if (calls[0].result != PendingCall::Result::stored) {
      state.SkipWithError("append_calls did not store");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

BENCHMARK_CAPTURE(BM_StoreAppend, os, false)->Arg(1)->Arg(16)->Arg(64)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_StoreAppend, fsync, true)->Arg(1)->Arg(16)->Arg(64)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace voxfra
