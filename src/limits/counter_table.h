// Per-endpoint request counters in shared memory (the voxfra_zone), so that
// every worker adds to the same counts and a worker that dies loses none:
// whichever worker flushes next drains them into LMDB's `stats`. Same plain
// memory layout as the other zone tables (plain_table.h); the caller holds
// the zone's mutex.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/endpoint_stats.h"
#include "base/outcome.h"
#include "limits/plain_table.h"
#include "util/time.h"

namespace voxfra {

class CounterTable {
 public:
  static constexpr std::size_t kMaxSlug = 64;

  static std::optional<CounterTable> init(void* block, std::size_t size);
  static std::optional<CounterTable> attach(void* block);

  // Counts one request of the endpoint `slug`. false when the table has no
  // room for a new endpoint (or the slug is longer than kMaxSlug): the
  // caller counts it elsewhere, nothing is lost.
  bool count(std::string_view slug, Outcome outcome, Reason reason, UnixMillis at);

  // Appends every endpoint's counts since the last drain to `out` and zeroes
  // them. Endpoints with nothing since the last drain give their room back.
  void drain(std::vector<std::pair<std::string, EndpointStats>>& out);

  std::uint32_t capacity() const;
  std::uint32_t size() const;  // endpoints with a slot

 private:
  struct Entry {
    std::uint64_t key;
    std::uint32_t live;
    std::uint32_t next_free;
    std::uint32_t slug_size;
    std::uint32_t unused;
    char slug[kMaxSlug];
    EndpointStats stats;
  };
  struct Header {
    TableHeader table;
    std::uint32_t used;       // entries ever handed out
    std::uint32_t free_head;  // a freed entry, or kNoEntry
    std::uint32_t live;
    std::uint32_t unused;
  };
  using Block = TableBlock<Header, Entry>;
  explicit CounterTable(Block block) : block_(block) {}

  std::uint32_t find(std::uint64_t key, std::string_view slug) const;
  std::uint32_t claim();
  void release(std::uint32_t e);

  Block block_;
};

}  // namespace voxfra
