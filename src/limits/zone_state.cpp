#include "limits/zone_state.h"

#include <cstring>

#include "limits/counter_table.h"
#include "limits/idempotency_table.h"
#include "limits/rate_window.h"
#include "util/hmac.h"

namespace voxfra {

namespace {

// The block starts with where the two tables are, so that attach() in
// another process (or after a reload) finds them without recomputing.
struct ZoneLayout {
  std::uint64_t magic;
  std::uint64_t rates_offset;
  std::uint64_t counters_offset;
  std::uint64_t failures_offset;
  std::uint64_t keys_offset;
};
constexpr std::uint64_t kZoneMagic = 0x766f78667a6f6e33ULL;  // "voxfzon3"

// A client's failures at one endpoint, in a table of their own: a hash of
// both (keyed by the slug, so that no allocation joins them).
std::uint64_t failure_key(const RateSubject& who) {
  Sha256Digest d = hmac_sha256(who.slug, {std::string_view("signature failures from "), who.address});
  std::uint64_t key;
  std::memcpy(&key, d.data(), sizeof key);
  return key;
}

RateVerdict verdict(const RateDecision& d, const char* table) {
  return {d.allowed, d.retry_after_seconds, d.evicted ? table : nullptr};
}

constexpr std::size_t align8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

}  // namespace

IdempotencyHash idempotency_hash(std::string_view idempotency_key) {
  Key128 k = hash_key(idempotency_key);
  return {k.hi, k.lo};
}

bool ZoneState::format(void* block, std::size_t size) {
  if (reinterpret_cast<std::uintptr_t>(block) % 8 != 0 || size < sizeof(ZoneLayout)) return false;
  auto* base = static_cast<unsigned char*>(block);
  std::size_t rates_offset = align8(sizeof(ZoneLayout));
  std::size_t rest = size - rates_offset;
  std::size_t counters_offset = rates_offset + align8(rest / 4);
  std::size_t failures_offset = counters_offset + align8(rest / 8);
  std::size_t keys_offset = failures_offset + align8(rest / 8);
  if (keys_offset >= size) return false;
  if (!RateTable::init(base + rates_offset, counters_offset - rates_offset) ||
      !CounterTable::init(base + counters_offset, failures_offset - counters_offset) ||
      !RateTable::init(base + failures_offset, keys_offset - failures_offset) ||
      !IdempotencyTable::init(base + keys_offset, size - keys_offset)) {
    return false;
  }
  auto* layout = ::new (base) ZoneLayout{0, rates_offset, counters_offset, failures_offset, keys_offset};
  layout->magic = kZoneMagic;  // last: valid only once every table is
  return true;
}

bool ZoneState::attach(void* block, ZoneState* out) {
  auto* base = static_cast<unsigned char*>(block);
  ZoneLayout layout;
  std::memcpy(&layout, base, sizeof(layout));
  if (layout.magic != kZoneMagic) return false;
  if (!RateTable::attach(base + layout.rates_offset) || !CounterTable::attach(base + layout.counters_offset) ||
      !RateTable::attach(base + layout.failures_offset) || !IdempotencyTable::attach(base + layout.keys_offset)) {
    return false;
  }
  out->rates_ = base + layout.rates_offset;
  out->failures_ = base + layout.failures_offset;
  out->counters_ = base + layout.counters_offset;
  out->keys_ = base + layout.keys_offset;
  return true;
}

bool ZoneState::count(std::string_view slug, Outcome outcome, Reason reason, UnixMillis at) {
  return CounterTable::attach(counters_)->count(slug, outcome, reason, at);
}

void ZoneState::drain_counts(std::vector<std::pair<std::string, EndpointStats>>& out) {
  CounterTable::attach(counters_)->drain(out);
}

RateVerdict ZoneState::check_rate(std::string_view slug, std::uint32_t limit_per_minute, UnixMillis now) {
  return verdict(RateTable::attach(rates_)->check(rate_key(slug), limit_per_minute, now), "endpoint rates");
}

RateVerdict ZoneState::admit(const RateSubject& who, const RateLimits& limits, bool verifies, UnixMillis now) {
  if (!verifies) return check_rate(who.slug, limits.per_minute, now);
  RateVerdict failures =
      verdict(RateTable::attach(failures_)->peek(failure_key(who), limits.failures_per_minute, now), nullptr);
  if (!failures.allowed) {
    failures.failures_exhausted = true;
    return failures;
  }
  return verdict(RateTable::attach(rates_)->peek(rate_key(who.slug), limits.per_minute, now), nullptr);
}

RateVerdict ZoneState::settle(const RateSubject& who, const RateLimits& limits, bool signature_ok, UnixMillis now) {
  if (signature_ok) return check_rate(who.slug, limits.per_minute, now);
  // Counted while the client has budget left; past it, admit() refuses it.
  RateVerdict counted = verdict(
      RateTable::attach(failures_)->check(failure_key(who), limits.failures_per_minute, now), "signature failures");
  counted.allowed = true;  // the failure itself is answered 401, not 429
  return counted;
}

bool ZoneState::seen(const IdempotencyHash& key, UnixMillis now, std::int64_t window_ms,
                     std::uint64_t* sequence) {
  auto found = IdempotencyTable::attach(keys_)->lookup(Key128{key.hi, key.lo}, now, window_ms);
  if (!found) return false;
  *sequence = *found;
  return true;
}

bool ZoneState::remember(const IdempotencyHash& key, std::uint64_t sequence, UnixMillis now,
                         std::int64_t window_ms) {
  auto table = IdempotencyTable::attach(keys_);
  table->forget_older_than(now - window_ms);
  return table->remember(Key128{key.hi, key.lo}, sequence, now).evicted;
}

std::size_t ZoneState::used_bytes(std::size_t block_size) const {
  auto share = [](std::size_t bytes, std::uint32_t used, std::uint32_t capacity) {
    return capacity ? static_cast<std::size_t>(static_cast<double>(bytes) * used / capacity) : 0;
  };
  auto* rates = static_cast<const unsigned char*>(rates_);
  auto* counters = static_cast<const unsigned char*>(counters_);
  auto* failures = static_cast<const unsigned char*>(failures_);
  auto* keys = static_cast<const unsigned char*>(keys_);
  const std::size_t header = align8(sizeof(ZoneLayout));  // the rates follow the layout
  const std::size_t key_bytes = block_size - header - static_cast<std::size_t>(keys - rates);
  auto rate_table = RateTable::attach(rates_);
  auto counter_table = CounterTable::attach(counters_);
  auto failure_table = RateTable::attach(failures_);
  auto key_table = IdempotencyTable::attach(keys_);
  return header + share(static_cast<std::size_t>(counters - rates), rate_table->size(), rate_table->capacity()) +
         share(static_cast<std::size_t>(failures - counters), counter_table->size(), counter_table->capacity()) +
         share(static_cast<std::size_t>(keys - failures), failure_table->size(), failure_table->capacity()) +
         share(key_bytes, key_table->size(), key_table->capacity());
}

std::uint32_t ZoneState::rate_capacity() const { return RateTable::attach(rates_)->capacity(); }
std::uint32_t ZoneState::failure_capacity() const { return RateTable::attach(failures_)->capacity(); }
std::uint32_t ZoneState::key_capacity() const { return IdempotencyTable::attach(keys_)->capacity(); }

}  // namespace voxfra
