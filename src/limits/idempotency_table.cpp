#include "limits/idempotency_table.h"

#include <cstring>

#include "util/hmac.h"

namespace voxfra {

namespace {

constexpr std::uint64_t kIdempotencyMagic = 0x3130'504D'4544'5856;  // "VXDEMP01"

}  // namespace

Key128 hash_key(std::string_view idempotency_key) {
  Sha256Digest d = sha256(idempotency_key);
  Key128 k;
  std::memcpy(&k.hi, d.data(), 8);
  std::memcpy(&k.lo, d.data() + 8, 8);
  return k;
}

std::optional<IdempotencyTable> IdempotencyTable::init(void* block, std::size_t size) {
  auto b = Block::format(block, size, kIdempotencyMagic);
  if (!b) return std::nullopt;
  return IdempotencyTable(*b);
}

std::optional<IdempotencyTable> IdempotencyTable::attach(void* block) {
  auto b = Block::open(block, kIdempotencyMagic);
  if (!b) return std::nullopt;
  return IdempotencyTable(*b);
}

std::size_t IdempotencyTable::bytes_for(std::uint32_t keys) { return Block::bytes_for(keys); }

std::uint32_t IdempotencyTable::capacity() const { return block_.layout().capacity; }
std::uint32_t IdempotencyTable::size() const { return block_.header().live; }
std::uint64_t IdempotencyTable::evictions() const { return block_.header().table.evictions; }

std::uint32_t IdempotencyTable::find(const Key128& key) const {
  return block_.index().find(key.hi, [&](std::uint32_t i) {
    const Entry& x = block_.entry(i);
    return x.hi == key.hi && x.lo == key.lo;
  });
}

// Unindexes a live entry; its ring position stays until the old end reaches it.
void IdempotencyTable::retire(std::uint32_t e) {
  Entry& x = block_.entry(e);
  block_.index().erase(x.hi, e, [this](std::uint32_t i) { return block_.entry(i).hi; });
  x.live = 0;
  --block_.header().live;
}

void IdempotencyTable::pop_oldest() {
  Header& h = block_.header();
  if (block_.entry(h.head).live) retire(h.head);
  h.head = (h.head + 1) % capacity();
  --h.count;
}

std::optional<std::uint64_t> IdempotencyTable::lookup(const Key128& key, UnixMillis now,
                                                      std::int64_t window_ms) const {
  std::uint32_t e = find(key);
  if (e == kNoEntry) return std::nullopt;
  const Entry& x = block_.entry(e);
  // A clock that stepped back makes the age negative: still recent.
  std::int64_t age = 0;
  if (__builtin_sub_overflow(now, x.stored_at, &age) || age > window_ms) return std::nullopt;
  return x.sequence;
}

RememberResult IdempotencyTable::remember(const Key128& key, std::uint64_t sequence, UnixMillis now) {
  RememberResult r;
  // Replace rather than update in place, so that the ring stays in the order
  // of stored_at and forget_older_than() can stop at the first newer entry.
  if (std::uint32_t old = find(key); old != kNoEntry) retire(old);
  Header& h = block_.header();
  if (h.count == capacity()) {
    if (block_.entry(h.head).live) {
      r.evicted = true;
      ++h.table.evictions;
    }
    pop_oldest();
  }
  std::uint32_t e = (h.head + h.count) % capacity();
  ++h.count;
  block_.entry(e) = Entry{key.hi, key.lo, sequence, now, 1, 0};
  block_.index().insert(key.hi, e);
  ++h.live;
  return r;
}

std::uint32_t IdempotencyTable::forget_older_than(UnixMillis cutoff) {
  Header& h = block_.header();
  std::uint32_t dropped = 0;
  while (h.count > 0) {
    const Entry& oldest = block_.entry(h.head);
    if (oldest.live && oldest.stored_at >= cutoff) break;
    dropped += oldest.live;
    pop_oldest();
  }
  return dropped;
}

}  // namespace voxfra
