#include "limits/rate_window.h"

#include <algorithm>
#include <cstring>

#include "util/hmac.h"

namespace voxfra {

namespace {

constexpr std::uint64_t kRateMagic = 0x3130'4554'4152'5856;  // "VXRATE01"
constexpr std::int64_t kSeconds = static_cast<std::int64_t>(RateTable::kBuckets);  // 61

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::size_t slot(std::int64_t second) {
  return static_cast<std::size_t>(((second % kSeconds) + kSeconds) % kSeconds);
}

// Brings the buckets to second `s`: on the newest bucket's second, or later
// with the expired seconds emptied, or, when the clock went back, relabelled
// so that `s` is the newest second and every bucket keeps its age.
template <class Counts>
void advance(Counts& counts, std::int64_t& newest, std::int64_t s) {
  if (s > newest) {
    if (s - newest >= kSeconds) {
      std::fill(std::begin(counts), std::end(counts), 0u);
    } else {
      for (std::int64_t sec = newest + 1; sec <= s; ++sec) counts[slot(sec)] = 0;
    }
  } else if (s < newest) {
    // As if no time had passed since the newest bucket: the counts stay
    // (no burst is unlocked) and time counts on from the new clock (no
    // lock-out for as long as the step was).
    std::uint32_t old[RateTable::kBuckets];
    std::memcpy(old, counts, sizeof old);
    for (std::int64_t age = 0; age < kSeconds; ++age) counts[slot(s - age)] = old[slot(newest - age)];
  }
  newest = s;
}

}  // namespace

std::uint64_t rate_key(std::string_view slug) {
  Sha256Digest d = sha256(slug);
  std::uint64_t key;
  std::memcpy(&key, d.data(), sizeof key);
  return key;
}

std::optional<RateTable> RateTable::init(void* block, std::size_t size) {
  auto b = Block::format(block, size, kRateMagic);
  if (!b) return std::nullopt;
  b->header().lru_head = kNoEntry;
  b->header().lru_tail = kNoEntry;
  return RateTable(*b);
}

std::optional<RateTable> RateTable::attach(void* block) {
  auto b = Block::open(block, kRateMagic);
  if (!b) return std::nullopt;
  return RateTable(*b);
}

std::size_t RateTable::bytes_for(std::uint32_t endpoints) { return Block::bytes_for(endpoints); }

std::uint32_t RateTable::capacity() const { return block_.layout().capacity; }
std::uint32_t RateTable::size() const { return block_.header().used; }
std::uint64_t RateTable::evictions() const { return block_.header().table.evictions; }

void RateTable::unlink(std::uint32_t e) {
  Header& h = block_.header();
  Entry& x = block_.entry(e);
  (x.prev == kNoEntry ? h.lru_head : block_.entry(x.prev).next) = x.next;
  (x.next == kNoEntry ? h.lru_tail : block_.entry(x.next).prev) = x.prev;
  x.prev = x.next = kNoEntry;
}

void RateTable::push_front(std::uint32_t e) {
  Header& h = block_.header();
  Entry& x = block_.entry(e);
  x.prev = kNoEntry;
  x.next = h.lru_head;
  if (h.lru_head != kNoEntry) block_.entry(h.lru_head).prev = e;
  h.lru_head = e;
  if (h.lru_tail == kNoEntry) h.lru_tail = e;
}

// A free entry for `key`, indexed and unlinked: a never-used one while there
// are any, else the least recently used endpoint's.
std::uint32_t RateTable::claim(std::uint64_t key, bool& evicted) {
  Header& h = block_.header();
  std::uint32_t e;
  if (h.used < capacity()) {
    e = h.used++;
  } else {
    e = h.lru_tail;
    unlink(e);
    block_.index().erase(block_.entry(e).key, e, [this](std::uint32_t i) { return block_.entry(i).key; });
    ++h.table.evictions;
    evicted = true;
  }
  block_.index().insert(key, e);
  return e;
}

RateDecision RateTable::check(std::uint64_t key, std::uint32_t limit_per_minute, UnixMillis now) {
  return decide(key, limit_per_minute, now, true);
}

RateDecision RateTable::peek(std::uint64_t key, std::uint32_t limit_per_minute, UnixMillis now) {
  return decide(key, limit_per_minute, now, false);
}

RateDecision RateTable::decide(std::uint64_t key, std::uint32_t limit_per_minute, UnixMillis now, bool take) {
  RateDecision d;
  const std::int64_t s = floor_div(now, 1000);
  std::uint32_t e = block_.index().find(key, [&](std::uint32_t i) { return block_.entry(i).key == key; });
  if (e == kNoEntry && !take) {
    d.allowed = limit_per_minute > 0;
    if (!d.allowed) d.retry_after_seconds = static_cast<std::uint32_t>(kSeconds);
    return d;
  }
  if (e == kNoEntry) {
    e = claim(key, d.evicted);
    Entry& fresh = block_.entry(e);
    fresh.key = key;
    fresh.newest = s;
    std::fill(std::begin(fresh.counts), std::end(fresh.counts), 0u);
  } else {
    unlink(e);
  }
  push_front(e);

  Entry& x = block_.entry(e);
  advance(x.counts, x.newest, s);
  std::uint64_t sum = 0;
  for (std::uint32_t c : x.counts) sum += c;
  if (sum < limit_per_minute) {
    if (take) ++x.counts[slot(s)];  // stays below the limit, so it cannot overflow
    d.allowed = true;
    return d;
  }
  if (limit_per_minute == 0) {
    d.retry_after_seconds = static_cast<std::uint32_t>(kSeconds);  // nothing will ever pass
    return d;
  }
  // Drop buckets oldest first (second s - 60, then s - 59, …) until the rest
  // leaves room: k of them. Second s + k is the first whose window no longer
  // holds them, and now lies in second s, so now + k is in second s + k or
  // later (passes) while now + k - 1 is still before it (refused): k is the
  // exact Retry-After. Dropping all 61 leaves 0 < limit, so 1 <= k <= 61.
  std::uint32_t k = 0;
  while (sum >= limit_per_minute) sum -= x.counts[slot(s - 60 + k++)];
  d.retry_after_seconds = k;
  return d;
}

}  // namespace voxfra
