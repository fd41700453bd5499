#include "metrics/counters.h"

#include <lmdb.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <type_traits>

namespace voxfra::metrics {

namespace {

constexpr std::uint64_t kMagic = 0x766f78666d657432ULL;  // "voxfmet2"

static_assert(std::is_standard_layout_v<Counters> && sizeof(Counters) == sizeof(CounterBlock));

template <std::size_t N>
std::size_t bucket_of(const std::uint64_t (&bounds)[N], std::uint64_t value) {
  std::size_t i = 0;
  while (i < N && value > bounds[i]) ++i;
  return i;  // N: above every bound
}

template <std::size_t Buckets>
void copy_histogram(const Histogram<Buckets>& h, std::uint64_t (&counts)[Buckets + 1], std::uint64_t& sum) {
  for (std::size_t i = 0; i <= Buckets; ++i) counts[i] = h.counts[i].load(std::memory_order_relaxed);
  sum = h.sum.load(std::memory_order_relaxed);
}

}  // namespace

StorageFailure classify_storage_error(int code) {
  switch (code) {
    case MDB_MAP_FULL: return StorageFailure::map_full;
    case ENOSPC:
    case EDQUOT: return StorageFailure::no_space;
    case EIO:
    case MDB_PANIC:
    case MDB_CORRUPTED: return StorageFailure::io;
    case EAGAIN: return StorageFailure::queue_full;
    default: return StorageFailure::other;
  }
}

std::string_view storage_failure_name(StorageFailure f) {
  switch (f) {
    case StorageFailure::map_full: return "map_full";
    case StorageFailure::no_space: return "no_space";
    case StorageFailure::io: return "io";
    case StorageFailure::queue_full: return "queue_full";
    case StorageFailure::unavailable: return "unavailable";
    case StorageFailure::other:
    case StorageFailure::count_: break;
  }
  return "other";
}

std::size_t provider_slot(std::string_view provider) {
  std::optional<Provider> p = provider_from_name(provider);
  std::size_t slot = p ? static_cast<std::size_t>(*p) : 0;
  return slot < kProviderSlots ? slot : 0;
}

Counters* Counters::format(void* block, std::size_t size) {
  if (reinterpret_cast<std::uintptr_t>(block) % alignof(CounterBlock) != 0 || size < kBlockSize) return nullptr;
  std::memset(block, 0, kBlockSize);
  auto* counters = ::new (block) Counters();
  counters->block_.magic = kMagic;
  return counters;
}

Counters* Counters::attach(void* block) {
  if (reinterpret_cast<std::uintptr_t>(block) % alignof(CounterBlock) != 0) return nullptr;
  auto* counters = static_cast<Counters*>(block);
  return counters->block_.magic == kMagic ? counters : nullptr;
}

void Counters::count_request(const RequestSample& s) {
  const auto outcome = static_cast<std::size_t>(s.outcome) % kOutcomeCount;
  add(block_.requests[provider_slot(s.provider)][outcome], 1);
  if (s.outcome == Outcome::rejected) add(block_.rejections[static_cast<std::size_t>(s.reason) % kReasonCount], 1);
  auto& h = block_.ingest_duration_micros;
  add(h.counts[bucket_of(kDurationBoundsMicros, s.duration_micros)], 1);
  add(h.sum, s.duration_micros);
}

void Counters::count_batch(std::size_t calls) {
  auto& h = block_.commit_batch_size;
  add(h.counts[bucket_of(kBatchBounds, calls)], 1);
  add(h.sum, calls);
}

void Counters::count_commit_duration(std::uint64_t micros) {
  auto& h = block_.commit_duration_micros;
  add(h.counts[bucket_of(kCommitBoundsMicros, micros)], 1);
  add(h.sum, micros);
}

Snapshot Counters::snapshot() const {
  Snapshot s;
  for (std::size_t p = 0; p < kProviderSlots; ++p) {
    for (std::size_t o = 0; o < kOutcomeCount; ++o) s.requests[p][o] = block_.requests[p][o].load(std::memory_order_relaxed);
  }
  for (std::size_t r = 0; r < kReasonCount; ++r) s.rejections[r] = block_.rejections[r].load(std::memory_order_relaxed);
  copy_histogram(block_.ingest_duration_micros, s.duration_counts, s.duration_sum_micros);
  s.records_stored = block_.records_stored.load(std::memory_order_relaxed);
  for (std::size_t f = 0; f < kStorageFailureCount; ++f) {
    s.storage_failures[f] = block_.storage_failures[f].load(std::memory_order_relaxed);
  }
  copy_histogram(block_.commit_batch_size, s.batch_counts, s.batch_sum);
  s.request_log_dropped = block_.request_log_dropped.load(std::memory_order_relaxed);
  copy_histogram(block_.commit_duration_micros, s.commit_counts, s.commit_sum_micros);
  return s;
}

}  // namespace voxfra::metrics
