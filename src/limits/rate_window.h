// The per-endpoint rate limit: at most N requests of an endpoint pass in any
// rolling 60 seconds, kept in a plain memory block (see plain_table.h) that
// the glue places in the voxfra_zone under the zone's mutex.
//
// Each endpoint has 61 one-second buckets of counts. A request at second s
// counts every bucket in [s - 60, s]; it passes when that sum is below N.
// Any two requests less than 60 s apart fall in buckets at most 60 apart, so
// no rolling 60 s can ever hold more than N passes; the price is that a
// request may wait up to one second longer than an exact sliding log would
// make it, for under 300 bytes per endpoint.
//
// A refusal says when to retry: the smallest whole number of seconds after
// which enough of the oldest buckets have left the window for a request to
// pass, assuming no other traffic. Exact, not an estimate: a request that
// many seconds later passes, one second earlier does not.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "limits/plain_table.h"
#include "util/time.h"

namespace voxfra {

struct RateDecision {
  bool allowed = false;
  std::uint32_t retry_after_seconds = 0;  // when refused: 1 to 61
  // Room for this endpoint was made by dropping the least recently used
  // endpoint's counts (the block is too small for the traffic). The glue
  // logs it, once: this request is decided all the same.
  bool evicted = false;
};

// The table key of an endpoint: a 64-bit hash of its slug.
std::uint64_t rate_key(std::string_view slug);

class RateTable {
 public:
  static constexpr std::size_t kBuckets = 61;

  // Formats a fresh table in `block` (8-byte aligned; its size decides the
  // capacity). nullopt when the block is misaligned or too small for one
  // endpoint.
  static std::optional<RateTable> init(void* block, std::size_t size);
  // A block that init() formatted, in this process or another (after a
  // reload, or mapped at another address); nullopt when it is not one.
  static std::optional<RateTable> attach(void* block);
  // Bytes needed for `endpoints` endpoints: for sizing zones and tests.
  static std::size_t bytes_for(std::uint32_t endpoints);

  // Counts a request of endpoint `key` at `now` if it passes. Never fails:
  // a new endpoint in a full table takes the least recently used one's place.
  // A clock that steps back is treated as standing still (the buckets keep
  // their ages: nothing underflows, no burst is unlocked); one that jumps
  // ahead by a minute or more finds every bucket expired. limit 0 refuses all.
  RateDecision check(std::uint64_t key, std::uint32_t limit_per_minute, UnixMillis now);
  // Whether a request of `key` would pass at `now`, counting nothing: a key
  // the table does not hold passes (limit 0 aside) and is not added.
  RateDecision peek(std::uint64_t key, std::uint32_t limit_per_minute, UnixMillis now);

  std::uint32_t capacity() const;
  std::uint32_t size() const;         // endpoints tracked
  std::uint64_t evictions() const;    // ever, in this block

 private:
  // The block's layout. It is shared between processes and survives
  // reloads: change a field and change kRateMagic.
  struct Entry {
    std::uint64_t key;
    std::int64_t newest;  // the second of the newest bucket
    std::uint32_t prev;   // LRU neighbours (entry numbers, kNoEntry at the ends)
    std::uint32_t next;
    std::uint32_t counts[kBuckets];  // counts[second % 61]
    std::uint32_t unused;
  };

  struct Header {
    TableHeader table;
    std::uint32_t used;  // entries handed out so far; all of them once full
    std::uint32_t lru_head;  // most recently used
    std::uint32_t lru_tail;  // least recently used: the next to go
    std::uint32_t unused;
  };

  using Block = TableBlock<Header, Entry>;
  explicit RateTable(Block block) : block_(block) {}

  RateDecision decide(std::uint64_t key, std::uint32_t limit_per_minute, UnixMillis now, bool take);
  std::uint32_t claim(std::uint64_t key, bool& evicted);
  void unlink(std::uint32_t e);
  void push_front(std::uint32_t e);

  Block block_;
};

}  // namespace voxfra
