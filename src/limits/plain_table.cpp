#include "limits/plain_table.h"

#include <algorithm>
#include <bit>

namespace voxfra {

namespace {

// Bucket counts stay below 2^31 so that entry numbers + 1 fit in a u32.
constexpr std::uint32_t kMaxCapacity = 1u << 29;

constexpr std::uint64_t align8(std::uint64_t n) { return (n + 7) & ~std::uint64_t{7}; }

}  // namespace

TableLayout table_layout(std::uint32_t capacity, std::size_t header_size, std::size_t entry_size) {
  TableLayout l;
  l.capacity = capacity;
  l.buckets = std::bit_ceil(2 * std::max<std::uint32_t>(capacity, 1));
  l.index_offset = align8(header_size);
  l.entries_offset = align8(l.index_offset + std::uint64_t{4} * l.buckets);
  l.size = l.entries_offset + std::uint64_t{capacity} * entry_size;
  return l;
}

std::optional<TableLayout> plan_table(std::size_t block_size, std::size_t header_size,
                                      std::size_t entry_size) {
  // The size grows with the capacity: find the largest that fits.
  std::uint64_t lo = 0;
  std::uint64_t hi = std::min<std::uint64_t>(block_size / entry_size, kMaxCapacity);
  while (lo < hi) {
    auto mid = static_cast<std::uint32_t>((lo + hi + 1) / 2);
    if (table_layout(mid, header_size, entry_size).size <= block_size) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  if (lo == 0) return std::nullopt;
  return table_layout(static_cast<std::uint32_t>(lo), header_size, entry_size);
}

void HashIndex::insert(std::uint64_t hash, std::uint32_t entry) {
  std::uint32_t i = home(hash);
  for (std::uint32_t probes = 0; probes <= mask_; ++probes, i = next(i)) {
    if (buckets_[i] == 0) {
      buckets_[i] = entry + 1;
      return;
    }
  }
}

}  // namespace voxfra
