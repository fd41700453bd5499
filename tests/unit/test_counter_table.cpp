// The per-endpoint counters kept in the zone: every worker adds to one count,
// a drain hands each count out exactly once, idle endpoints give room back,
// and a full table says so instead of dropping a count.
#include "limits/counter_table.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace voxfra {
namespace {

struct Block {
  explicit Block(std::size_t size) : bytes(size / 8 + 1) {}
  void* data() { return bytes.data(); }
  std::size_t size() const { return bytes.size() * 8; }
  std::vector<std::uint64_t> bytes;
};

using Drained = std::vector<std::pair<std::string, EndpointStats>>;

TEST(CounterTable, CountsAndDrainsOnce) {
  Block block(64 * 1024);
  auto table = CounterTable::init(block.data(), block.size());
  ASSERT_TRUE(table);
  EXPECT_TRUE(table->count("slug-a", Outcome::accepted, Reason::none, 1000));
  EXPECT_TRUE(table->count("slug-a", Outcome::rejected, Reason::bad_signature, 3000));
  EXPECT_TRUE(table->count("slug-b", Outcome::duplicate, Reason::none, 2000));

  Drained out;
  table->drain(out);
  ASSERT_EQ(out.size(), 2u);
  const EndpointStats& a = out[0].first == "slug-a" ? out[0].second : out[1].second;
  EXPECT_EQ(a.requests, 2u);
  EXPECT_EQ(a.accepted, 1u);
  EXPECT_EQ(a.rejected, 1u);
  EXPECT_EQ(a.rejected_by[static_cast<std::size_t>(Reason::bad_signature)], 1u);
  EXPECT_EQ(a.last_used_at, 3000);

  Drained again;
  table->drain(again);
  EXPECT_TRUE(again.empty()) << "a count is handed out once";
}

TEST(CounterTable, IdleEndpointsGiveRoomBack) {
  Block block(4 * 1024);
  auto table = CounterTable::init(block.data(), block.size());
  ASSERT_TRUE(table);
  const std::uint32_t capacity = table->capacity();
  ASSERT_GE(capacity, 2u);
  for (std::uint32_t i = 0; i < capacity; ++i) {
    EXPECT_TRUE(table->count("slug-" + std::to_string(i), Outcome::ignored, Reason::none, i));
  }
  EXPECT_FALSE(table->count("one-too-many", Outcome::accepted, Reason::none, 1)) << "full: the caller counts it";
  Drained out;
  table->drain(out);  // hands the counts out
  EXPECT_EQ(out.size(), capacity);
  out.clear();
  table->drain(out);  // nothing since: every slot is freed
  EXPECT_EQ(table->size(), 0u);
  EXPECT_TRUE(table->count("one-too-many", Outcome::accepted, Reason::none, 1)) << "room again";
}

TEST(CounterTable, WorksFromACopyAtAnotherAddress) {
  Block block(16 * 1024);
  auto table = CounterTable::init(block.data(), block.size());
  ASSERT_TRUE(table);
  table->count("slug-x", Outcome::accepted, Reason::none, 5);
  Block copy(16 * 1024);
  std::memcpy(copy.data(), block.data(), block.size());
  auto attached = CounterTable::attach(copy.data());
  ASSERT_TRUE(attached);
  attached->count("slug-x", Outcome::accepted, Reason::none, 6);
  Drained out;
  attached->drain(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].second.accepted, 2u);
}

TEST(CounterTable, RefusesASlugTooLongToKeep) {
  Block block(16 * 1024);
  auto table = CounterTable::init(block.data(), block.size());
  EXPECT_FALSE(table->count(std::string(CounterTable::kMaxSlug + 1, 'x'), Outcome::accepted, Reason::none, 1));
}

}  // namespace
}  // namespace voxfra
