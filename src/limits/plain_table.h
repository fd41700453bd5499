// What the zone's tables (rates, idempotency keys, counters) share: a
// fixed-capacity hash table laid out in a caller's block of plain memory, so
// that the glue can put it in an NGINX shared memory zone (one block, seen by
// every worker) and a unit test in a std::vector.
//
// The block holds a header, a bucket index and an array of entries, found by
// offsets from the block's start, never by pointers: NGINX may map a zone at
// another address in a new cycle, and a test copies blocks around. Buckets
// hold entry numbers (+1, 0 = empty), so entries never move; the index uses
// linear probing at a load of at most 1/2 and backward-shift deletion (no
// tombstones to accumulate in a table that churns forever).
//
// Nothing here locks: the caller serialises access (the zone's mutex). Every
// probe loop is bounded by the bucket count, so that even a block left
// inconsistent (a worker killed mid-update) cannot spin a worker that holds
// the mutex.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>

namespace voxfra {

inline constexpr std::uint32_t kNoEntry = 0xffffffffu;

// Where things are in a block. Stored in the header, so that an attaching
// process reads the layout instead of recomputing it.
struct TableLayout {
  std::uint32_t capacity = 0;  // entries
  std::uint32_t buckets = 0;   // a power of two, at least 2 * capacity
  std::uint64_t index_offset = 0;
  std::uint64_t entries_offset = 0;
  std::uint64_t size = 0;  // bytes used from the block's start
  bool operator==(const TableLayout&) const = default;
};

// The layout for `capacity` entries after a header of `header_size` bytes.
TableLayout table_layout(std::uint32_t capacity, std::size_t header_size, std::size_t entry_size);
// The largest layout that fits in `block_size` bytes; nullopt when not even
// one entry fits.
std::optional<TableLayout> plan_table(std::size_t block_size, std::size_t header_size,
                                      std::size_t entry_size);

// The first member of every table's header.
struct TableHeader {
  std::uint64_t magic = 0;  // names the table kind and its format version
  std::uint64_t block_size = 0;
  TableLayout layout;
  std::uint64_t evictions = 0;  // live entries dropped for room, ever
};

// Linear-probing index over a bucket array inside the block.
class HashIndex {
 public:
  HashIndex(std::uint32_t* buckets, std::uint32_t bucket_count)
      : buckets_(buckets), mask_(bucket_count - 1) {}

  // The entry with this hash for which is_key(entry) holds, or kNoEntry.
  template <class IsKey>
  std::uint32_t find(std::uint64_t hash, IsKey is_key) const {
    std::uint32_t i = home(hash);
    for (std::uint32_t probes = 0; probes <= mask_ && buckets_[i] != 0; ++probes, i = next(i)) {
      if (is_key(buckets_[i] - 1)) return buckets_[i] - 1;
    }
    return kNoEntry;
  }

  // Precondition: the entry is not indexed yet. There is always a free
  // bucket at a load of 1/2; should the block have been corrupted, the entry
  // is left unindexed (forgotten) rather than probing forever.
  void insert(std::uint64_t hash, std::uint32_t entry);

  // Removes `entry` (indexed under `hash`), moving later members of its probe
  // run back so that every lookup still finds them; hash_of(e) gives the hash
  // of entry e.
  template <class HashOf>
  void erase(std::uint64_t hash, std::uint32_t entry, HashOf hash_of) {
    std::uint32_t hole = home(hash);
    for (std::uint32_t probes = 0; buckets_[hole] != entry + 1; ++probes, hole = next(hole)) {
      if (buckets_[hole] == 0 || probes > mask_) return;  // not indexed
    }
    for (std::uint32_t j = next(hole), probes = 0; buckets_[j] != 0 && probes < mask_; j = next(j), ++probes) {
      // The member at j may fill the hole unless its home lies in (hole, j].
      std::uint32_t from_home = (j - home(hash_of(buckets_[j] - 1))) & mask_;
      if (from_home >= ((j - hole) & mask_)) {
        buckets_[hole] = buckets_[j];
        hole = j;
      }
    }
    buckets_[hole] = 0;
  }

 private:
  std::uint32_t home(std::uint64_t hash) const { return static_cast<std::uint32_t>(hash) & mask_; }
  std::uint32_t next(std::uint32_t i) const { return (i + 1) & mask_; }

  std::uint32_t* buckets_;
  std::uint32_t mask_;
};

// Typed access to a block holding a Header (whose first member is a
// TableHeader named `table`) and an array of Entry. Both must be trivially
// copyable: the block is memory another process wrote.
template <class Header, class Entry>
class TableBlock {
  static_assert(std::is_trivially_copyable_v<Header> && std::is_trivially_copyable_v<Entry>);
  static_assert(std::is_standard_layout_v<Header> && offsetof(Header, table) == 0);
  static_assert(alignof(Header) <= 8 && alignof(Entry) <= 8);

 public:
  static constexpr std::size_t kAlignment = 8;

  static std::size_t bytes_for(std::uint32_t capacity) {
    return table_layout(capacity, sizeof(Header), sizeof(Entry)).size;
  }

  // Lays out a fresh table: every entry free, every bucket empty.
  static std::optional<TableBlock> format(void* block, std::size_t size, std::uint64_t magic) {
    if (!aligned(block)) return std::nullopt;
    std::optional<TableLayout> layout = plan_table(size, sizeof(Header), sizeof(Entry));
    if (!layout) return std::nullopt;
    auto* base = static_cast<unsigned char*>(block);
    std::memset(base, 0, layout->size);
    // Begin the objects' lifetimes explicitly; attach() in another process
    // relies on these being implicit-lifetime types over mapped memory.
    Header* header = ::new (base) Header{};
    std::uninitialized_value_construct_n(reinterpret_cast<Entry*>(base + layout->entries_offset),
                                         layout->capacity);
    header->table.block_size = size;
    header->table.layout = *layout;
    header->table.magic = magic;  // last: a block is only valid once formatted
    return TableBlock(base);
  }

  // A block formatted by format(), here or in another process; nullopt when
  // the header does not describe a table of this kind and format.
  static std::optional<TableBlock> open(void* block, std::uint64_t magic) {
    if (!aligned(block)) return std::nullopt;
    const auto& t = static_cast<const Header*>(block)->table;
    if (t.magic != magic || t.layout.capacity == 0 ||
        t.layout != table_layout(t.layout.capacity, sizeof(Header), sizeof(Entry)) ||
        t.layout.size > t.block_size) {
      return std::nullopt;
    }
    return TableBlock(static_cast<unsigned char*>(block));
  }

  Header& header() const { return *reinterpret_cast<Header*>(base_); }
  const TableLayout& layout() const { return header().table.layout; }
  HashIndex index() const {
    return HashIndex(reinterpret_cast<std::uint32_t*>(base_ + layout().index_offset), layout().buckets);
  }
  Entry& entry(std::uint32_t i) const {
    return reinterpret_cast<Entry*>(base_ + layout().entries_offset)[i];
  }

 private:
  explicit TableBlock(unsigned char* base) : base_(base) {}
  static bool aligned(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % kAlignment == 0; }

  unsigned char* base_;
};

}  // namespace voxfra
