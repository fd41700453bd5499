// ZoneState::used_bytes, behind voxfra_zone_used_bytes: it grows with the
// entries in use and never passes the block.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "limits/zone_state.h"

namespace voxfra {
namespace {

TEST(ZoneUsage, GrowsWithEntriesAndStaysInsideTheBlock) {
  constexpr std::size_t kSize = 256 * 1024;
  std::vector<std::uint64_t> block(kSize / 8);
  ASSERT_TRUE(ZoneState::format(block.data(), kSize));
  ZoneState zone;
  ASSERT_TRUE(ZoneState::attach(block.data(), &zone));
  const std::size_t empty = zone.used_bytes(kSize);
  EXPECT_GT(empty, 0u);  // the layout header
  EXPECT_LT(empty, 64u);

  zone.check_rate("slug-a", 1000, 1'000'000);
  const std::size_t one_rate = zone.used_bytes(kSize);
  EXPECT_GT(one_rate, empty);
  zone.remember(idempotency_hash("key-a"), 1, 1'000'000, 60'000);
  EXPECT_GT(zone.used_bytes(kSize), one_rate);

  // Filled past capacity (the tables evict): at most the whole block.
  for (int i = 0; i < 20000; ++i) {
    std::string slug = "slug-" + std::to_string(i);
    zone.check_rate(slug, 1000, 1'000'000);
    zone.count(slug, Outcome::accepted, Reason::none, 1'000'000);
    zone.remember(idempotency_hash(slug), static_cast<std::uint64_t>(i), 1'000'000, 60'000);
  }
  EXPECT_LE(zone.used_bytes(kSize), kSize);
  EXPECT_GT(zone.used_bytes(kSize), kSize / 2);
}

}  // namespace
}  // namespace voxfra
