// What a voxfra_zone holds, as the glue sees it: the per-endpoint rate table,
// the per-endpoint request counters and the idempotency fast path, side by
// side in one block of the zone's shared memory. The glue holds the zone's mutex around every call; nothing
// here locks. C++17 and free of the tables' own headers, because NGINX's
// build compiles the glue.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/outcome.h"
#include "store/store.h"
#include "util/time.h"

namespace voxfra {

// A 128-bit hash of an idempotency key, computed once per request.
struct IdempotencyHash {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
};
IdempotencyHash idempotency_hash(std::string_view idempotency_key);

struct RateVerdict {
  bool allowed = true;
  std::uint32_t retry_after_seconds = 0;
  bool evicted = false;  // room was made by forgetting another endpoint's rate
};

class ZoneState {
 public:
  // Formats `block` (8-byte aligned): a quarter for rates, an eighth for
  // counters, the rest for idempotency keys. false when it is too small.
  static bool format(void* block, std::size_t size);
  // A block format() prepared, in this process or another; false if not.
  static bool attach(void* block, ZoneState* out);

  RateVerdict check_rate(std::string_view slug, std::uint32_t limit_per_minute, UnixMillis now);

  // The record a key became, when it was stored at most window_ms ago.
  bool seen(const IdempotencyHash& key, UnixMillis now, std::int64_t window_ms,
            std::uint64_t* sequence);
  // Remembers a stored key; true when an older key had to make room.
  bool remember(const IdempotencyHash& key, std::uint64_t sequence, UnixMillis now,
                std::int64_t window_ms);

  // Counts a request of an endpoint; false when the counters have no room
  // for another endpoint (the caller keeps that count itself).
  bool count(std::string_view slug, Outcome outcome, Reason reason, UnixMillis at);
  // Moves every endpoint's counts since the last drain into `out` (appended).
  void drain_counts(std::vector<std::pair<std::string, EndpointStats>>& out);

  // Bytes of the block (of `block_size`) that live entries take: each
  // table's share of the block in proportion to its entries in use.
  std::size_t used_bytes(std::size_t block_size) const;

  std::uint32_t rate_capacity() const;
  std::uint32_t key_capacity() const;

 private:
  void* rates_ = nullptr;
  void* counters_ = nullptr;
  void* keys_ = nullptr;
};

}  // namespace voxfra
