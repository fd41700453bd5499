// The fast path for duplicate deliveries: recently stored idempotency keys and
// the record each became, in a plain memory block (see plain_table.h) that the
// glue places in the voxfra_zone under the zone's mutex.
//
// It is a cache in front of LMDB's call index, which stays the truth: a miss
// (never seen, evicted, expired) only means "ask LMDB". A hit is trusted
// without asking, so keys are 128 bits (the first half of a SHA-256): a false
// hit would silently drop a call, and at 128 bits it does not happen.
//
// Entries live in a ring in insertion order; when the ring is full the
// oldest entry makes room, and expired entries are dropped from the old end.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "limits/plain_table.h"
#include "util/time.h"

namespace voxfra {

struct Key128 {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  bool operator==(const Key128&) const = default;
};

// The first 16 bytes of SHA-256(idempotency key).
Key128 hash_key(std::string_view idempotency_key);

struct RememberResult {
  // A live, older entry was dropped to make room (the block is too small for
  // the window's traffic). The glue logs it, once.
  bool evicted = false;
};

class IdempotencyTable {
 public:
  // As RateTable: `block` 8-byte aligned, its size decides the capacity.
  static std::optional<IdempotencyTable> init(void* block, std::size_t size);
  static std::optional<IdempotencyTable> attach(void* block);
  static std::size_t bytes_for(std::uint32_t keys);

  // The record sequence stored for `key`, when it was remembered at most
  // `window_ms` before `now`.
  std::optional<std::uint64_t> lookup(const Key128& key, UnixMillis now, std::int64_t window_ms) const;
  // Records that `key` became record `sequence` at `now`. Never fails: when
  // full, the oldest entry goes. Remembering a key again replaces it.
  RememberResult remember(const Key128& key, std::uint64_t sequence, UnixMillis now);
  // Drops entries stored before `cutoff` (now - window) from the old end of
  // the ring; cheap, so the glue may call it on every request. Stops at the
  // first newer entry, so an entry out of order after a clock step waits for
  // its turn (lookup() checks ages itself). Returns how many live entries
  // were dropped.
  std::uint32_t forget_older_than(UnixMillis cutoff);

  std::uint32_t capacity() const;
  std::uint32_t size() const;  // live keys
  std::uint64_t evictions() const;

 private:
  // The block's layout, shared between processes and kept across reloads:
  // change a field and change kIdempotencyMagic.
  struct Entry {
    std::uint64_t hi;
    std::uint64_t lo;
    std::uint64_t sequence;
    std::int64_t stored_at;
    std::uint32_t live;  // 0 once replaced or dropped: a hole in the ring
    std::uint32_t unused;
  };
  struct Header {
    TableHeader table;
    std::uint32_t head;   // the ring's oldest position (an entry number)
    std::uint32_t count;  // positions in use, holes included
    std::uint32_t live;   // live entries
    std::uint32_t unused;
  };
  using Block = TableBlock<Header, Entry>;
  explicit IdempotencyTable(Block block) : block_(block) {}

  std::uint32_t find(const Key128& key) const;
  void retire(std::uint32_t e);
  void pop_oldest();

  Block block_;
};

}  // namespace voxfra
