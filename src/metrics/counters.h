// The counters behind `voxfra_metrics`: one fixed layout of 64-bit atomics
// over a caller's block of plain memory, so that the glue can put it in a
// shared memory zone (every worker adds to the same totals, and they outlive
// a reload) and a unit test in a std::vector. Adding is a relaxed atomic
// add: no lock, no allocation, a few nanoseconds on the ingest path.
// Histograms keep one count per bucket (not cumulative) and a sum; the text
// writer accumulates them. C++17: the glue includes this header.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/outcome.h"
#include "base/provider.h"

namespace voxfra::metrics {

static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "counters are shared between processes");

inline constexpr std::size_t kOutcomeCount = 4;     // Outcome
inline constexpr std::size_t kProviderSlots = kMaxProviderCode + 1;  // 0: not a known provider, then by code

// Why a call could not be stored, as the `error` label says it.
enum class StorageFailure : std::uint8_t { map_full, no_space, io, queue_full, unavailable, other, count_ };
inline constexpr std::size_t kStorageFailureCount = static_cast<std::size_t>(StorageFailure::count_);
// From the LMDB or errno code the store reported.
StorageFailure classify_storage_error(int code);
std::string_view storage_failure_name(StorageFailure f);

// Upper bounds of the finite buckets, in the unit the histogram counts.
inline constexpr std::uint64_t kDurationBoundsMicros[] = {500,    1000,   2500,    5000,    10000,   25000, 50000,
                                                          100000, 250000, 500000, 1000000, 2500000, 10000000};
inline constexpr std::size_t kDurationBuckets = sizeof(kDurationBoundsMicros) / sizeof(kDurationBoundsMicros[0]);
inline constexpr std::uint64_t kBatchBounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
inline constexpr std::size_t kBatchBuckets = sizeof(kBatchBounds) / sizeof(kBatchBounds[0]);
// A commit of calls takes from tens of microseconds (durability=os) to a few
// syncs of the disk: finer at the low end than a request's duration.
inline constexpr std::uint64_t kCommitBoundsMicros[] = {100,   250,   500,    1000,   2500,   5000,
                                                        10000, 25000, 50000, 100000, 250000, 1000000};
inline constexpr std::size_t kCommitBuckets = sizeof(kCommitBoundsMicros) / sizeof(kCommitBoundsMicros[0]);

template <std::size_t Buckets>
struct Histogram {
  std::atomic<std::uint64_t> counts[Buckets + 1];  // the last: above every bound (+Inf)
  std::atomic<std::uint64_t> sum;
};

// The block's layout. Version it when it changes: a zone formatted by
// another layout is formatted afresh.
struct CounterBlock {
  std::uint64_t magic;
  std::atomic<std::uint64_t> requests[kProviderSlots][kOutcomeCount];
  std::atomic<std::uint64_t> rejections[kReasonCount];
  Histogram<kDurationBuckets> ingest_duration_micros;
  std::atomic<std::uint64_t> records_stored;
  std::atomic<std::uint64_t> storage_failures[kStorageFailureCount];
  Histogram<kBatchBuckets> commit_batch_size;
  std::atomic<std::uint64_t> request_log_dropped;
  Histogram<kCommitBuckets> commit_duration_micros;
};

// The same numbers, copied out for the writer.
struct Snapshot {
  std::uint64_t requests[kProviderSlots][kOutcomeCount] = {};
  std::uint64_t rejections[kReasonCount] = {};
  std::uint64_t duration_counts[kDurationBuckets + 1] = {};
  std::uint64_t duration_sum_micros = 0;
  std::uint64_t records_stored = 0;
  std::uint64_t storage_failures[kStorageFailureCount] = {};
  std::uint64_t batch_counts[kBatchBuckets + 1] = {};
  std::uint64_t batch_sum = 0;
  std::uint64_t request_log_dropped = 0;
  std::uint64_t commit_counts[kCommitBuckets + 1] = {};
  std::uint64_t commit_sum_micros = 0;
};

// A request as the counters see it.
struct RequestSample {
  std::string_view provider;  // as the URL named it; anything unknown counts as ""
  Outcome outcome = Outcome::rejected;
  Reason reason = Reason::none;
  std::uint64_t duration_micros = 0;
};

class Counters {
 public:
  static constexpr std::size_t kBlockSize = sizeof(CounterBlock);

  // Formats `block` (8-byte aligned, at least kBlockSize bytes) with every
  // counter at zero; nullptr when it is misaligned or too small.
  static Counters* format(void* block, std::size_t size);
  // A block format() prepared, here or in another process; nullptr if not.
  static Counters* attach(void* block);

  void count_request(const RequestSample& s);
  void count_batch(std::size_t calls);  // one commit of `calls` calls
  // A pool thread's time for one batch: the commit, its sync, and the wait
  // for the sync that covers it (durability=fsync).
  void count_commit_duration(std::uint64_t micros);
  void count_stored(std::uint64_t records) { add(block_.records_stored, records); }
  void count_storage_failure(StorageFailure f) {
    add(block_.storage_failures[static_cast<std::size_t>(f) % kStorageFailureCount], 1);
  }
  void count_request_log_dropped(std::uint64_t n) { add(block_.request_log_dropped, n); }

  Snapshot snapshot() const;

 private:
  static void add(std::atomic<std::uint64_t>& c, std::uint64_t n) { c.fetch_add(n, std::memory_order_relaxed); }
  CounterBlock block_;
};

// 0 for a name that is not a provider's, else the Provider's value.
std::size_t provider_slot(std::string_view provider);

}  // namespace voxfra::metrics
