#include "limits/counter_table.h"

#include <cstring>

#include "limits/rate_window.h"

namespace voxfra {

namespace {

constexpr std::uint64_t kCounterMagic = 0x3130'544E'4355'5856;  // "VXUCNT01"

bool empty(const EndpointStats& s) { return s.requests == 0; }

}  // namespace

std::optional<CounterTable> CounterTable::init(void* block, std::size_t size) {
  auto b = Block::format(block, size, kCounterMagic);
  if (!b) return std::nullopt;
  b->header().free_head = kNoEntry;
  return CounterTable(*b);
}

std::optional<CounterTable> CounterTable::attach(void* block) {
  auto b = Block::open(block, kCounterMagic);
  if (!b) return std::nullopt;
  return CounterTable(*b);
}

std::uint32_t CounterTable::capacity() const { return block_.layout().capacity; }
std::uint32_t CounterTable::size() const { return block_.header().live; }

std::uint32_t CounterTable::find(std::uint64_t key, std::string_view slug) const {
  return block_.index().find(key, [&](std::uint32_t i) {
    const Entry& x = block_.entry(i);
    return x.live && x.key == key && std::string_view(x.slug, x.slug_size) == slug;
  });
}

std::uint32_t CounterTable::claim() {
  Header& h = block_.header();
  if (h.free_head != kNoEntry) {
    std::uint32_t e = h.free_head;
    h.free_head = block_.entry(e).next_free;
    return e;
  }
  return h.used < capacity() ? h.used++ : kNoEntry;
}

void CounterTable::release(std::uint32_t e) {
  Entry& x = block_.entry(e);
  block_.index().erase(x.key, e, [this](std::uint32_t i) { return block_.entry(i).key; });
  x.live = 0;
  x.next_free = block_.header().free_head;
  block_.header().free_head = e;
  --block_.header().live;
}

bool CounterTable::count(std::string_view slug, Outcome outcome, Reason reason, UnixMillis at) {
  if (slug.size() > kMaxSlug) return false;
  const std::uint64_t key = rate_key(slug);
  std::uint32_t e = find(key, slug);
  if (e == kNoEntry) {
    e = claim();
    if (e == kNoEntry) return false;
    Entry& x = block_.entry(e);
    x = Entry{};
    x.key = key;
    x.live = 1;
    x.slug_size = static_cast<std::uint32_t>(slug.size());
    std::memcpy(x.slug, slug.data(), slug.size());
    block_.index().insert(key, e);
    ++block_.header().live;
  }
  block_.entry(e).stats.count(outcome, reason, at);
  return true;
}

void CounterTable::drain(std::vector<std::pair<std::string, EndpointStats>>& out) {
  const std::uint32_t used = block_.header().used;
  for (std::uint32_t e = 0; e < used; ++e) {
    Entry& x = block_.entry(e);
    if (!x.live) continue;
    if (empty(x.stats)) {
      release(e);  // idle since the last drain: make room for others
      continue;
    }
    out.emplace_back(std::string(x.slug, x.slug_size), x.stats);
    x.stats = EndpointStats{};
  }
}

}  // namespace voxfra
