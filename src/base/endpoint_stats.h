// Counters of one endpoint: what the shared-memory counter table, a worker's
// accumulator, the store's `stats` database and the Management API all count
// in. Plain numbers, so that the zone's tables need not see LMDB; the stored
// form is the store's (encode_stats in store/store.h).
#pragma once
#include <array>
#include <cstdint>

#include "base/outcome.h"
#include "util/time.h"

namespace voxfra {

struct EndpointStats {
  std::uint64_t requests = 0;
  std::uint64_t accepted = 0;
  std::uint64_t duplicate = 0;
  std::uint64_t ignored = 0;
  std::uint64_t rejected = 0;
  std::array<std::uint64_t, kReasonCount> rejected_by{};
  UnixMillis last_used_at = 0;

  void count(Outcome o, Reason r, UnixMillis at);
  void add(const EndpointStats& delta);  // sums counters, keeps the later last_used_at
};

}  // namespace voxfra
