// What a voxfra_zone holds, as the glue sees it: the per-endpoint rate table,
// the signature-failure table, the per-endpoint request counters and the
// idempotency fast path, side by side in one block of the zone's shared
// memory. The glue holds the zone's mutex around every call; nothing
// here locks. C++17 and free of the tables' own headers, because NGINX's
// build compiles the glue.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/endpoint_stats.h"
#include "base/outcome.h"
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
  // Room was made by forgetting the oldest entries of this table ("endpoint
  // rates", "signature failures"), for the zone's one warning; else null.
  const char* evicted = nullptr;
  // Refused because the client address used up its failure budget: a flood,
  // not the provider; its connection is not kept.
  bool failures_exhausted = false;
};

// Whose request it is, for the rate limits: the endpoint (its slug) and the
// client's address bytes (4 or 16, network order; empty when it has none).
struct RateSubject {
  std::string_view slug;
  std::string_view address;
};

// Requests a minute: an endpoint's verified requests, and the signature
// failures one client address may send one endpoint.
struct RateLimits {
  std::uint32_t per_minute = 0;
  std::uint32_t failures_per_minute = 0;
};

class ZoneState {
 public:
  // Formats `block` (8-byte aligned): a quarter for rates, an eighth for
  // counters, an eighth for signature failures, the rest for idempotency
  // keys. false when it is too small.
  static bool format(void* block, std::size_t size);
  // A block format() prepared, in this process or another; false if not.
  static bool attach(void* block, ZoneState* out);

  // Counts a request in the endpoint's window if it passes.
  RateVerdict check_rate(std::string_view slug, std::uint32_t limit_per_minute, UnixMillis now);

  // Before the body is read. An endpoint that verifies signatures can tell
  // a forgery from a delivery, so that forgeries spend no budget of the
  // provider's: the request is refused when its client address used up its
  // failure budget at this endpoint, or when the endpoint's window is full,
  // and nothing is counted until settle(). An endpoint without a secret
  // cannot tell them apart: every request is counted in its window now.
  RateVerdict admit(const RateSubject& who, const RateLimits& limits, bool verifies, UnixMillis now);
  // After a verifying endpoint checked the signature: a failure is counted
  // in its client's window; a verified request in the endpoint's, refused
  // when that window filled up since admit().
  RateVerdict settle(const RateSubject& who, const RateLimits& limits, bool signature_ok, UnixMillis now);

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
  std::uint32_t failure_capacity() const;
  std::uint32_t key_capacity() const;

 private:
  void* rates_ = nullptr;
  void* failures_ = nullptr;
  void* counters_ = nullptr;
  void* keys_ = nullptr;
};

}  // namespace voxfra
