// ZoneState::used_bytes, behind voxfra_zone_used_bytes: it grows with the
// entries in use and never passes the block; and the rate limits the zone
// keeps for the ingest handler (admit, settle).
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

// The rate limits behind the ingest handler (ZoneState::admit and settle).
struct ZoneRates : ::testing::Test {
  static constexpr std::size_t kSize = 256 * 1024;
  static constexpr UnixMillis kNow = 1'700'000'000'000;
  void SetUp() override {
    ASSERT_TRUE(ZoneState::format(block.data(), kSize));
    ASSERT_TRUE(ZoneState::attach(block.data(), &zone));
  }
  std::vector<std::uint64_t> block = std::vector<std::uint64_t>(kSize / 8);
  ZoneState zone;
  const RateLimits limits{5, 3};  // 5 verified requests, 3 failures a minute
  const RateSubject provider{"slug-a", std::string_view("\x0a\x00\x00\x01", 4)};
  const RateSubject forger{"slug-a", std::string_view("\xc0\x00\x02\x07", 4)};
};

TEST_F(ZoneRates, FailuresDoNotSpendTheEndpointsBudget) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(zone.admit(forger, {5, 100}, true, kNow).allowed);
    zone.settle(forger, {5, 100}, false, kNow);
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(zone.admit(provider, limits, true, kNow).allowed) << i;
    EXPECT_TRUE(zone.settle(provider, limits, true, kNow).allowed) << i;
  }
  RateVerdict sixth = zone.admit(provider, limits, true, kNow);
  EXPECT_FALSE(sixth.allowed);  // the endpoint's own budget still holds
  EXPECT_GE(sixth.retry_after_seconds, 1u);
}

TEST_F(ZoneRates, AnAddressOverItsFailureBudgetIsRefusedBeforeTheBody) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(zone.admit(forger, limits, true, kNow).allowed) << i;
    EXPECT_TRUE(zone.settle(forger, limits, false, kNow).allowed);  // answered 401, not 429
  }
  RateVerdict cut = zone.admit(forger, limits, true, kNow + 100);
  EXPECT_FALSE(cut.allowed);
  EXPECT_EQ(cut.retry_after_seconds, 61u);
  EXPECT_TRUE(cut.failures_exhausted);
  EXPECT_TRUE(zone.admit(forger, limits, true, kNow + 61'000).allowed);  // its failures left the window
  // The provider at another address, and the forger at another endpoint, are not cut off.
  EXPECT_TRUE(zone.admit(provider, limits, true, kNow + 100).allowed);
  EXPECT_TRUE(zone.admit({"slug-b", forger.address}, limits, true, kNow + 100).allowed);
}

TEST_F(ZoneRates, AnEndpointWithoutASecretCountsEveryRequestBeforeTheBody) {
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(zone.admit(forger, limits, false, kNow).allowed) << i;
  EXPECT_FALSE(zone.admit(provider, limits, false, kNow).allowed);
}

TEST_F(ZoneRates, AVerifiedRequestIsRefusedWhenTheWindowFilledSinceAdmit) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(zone.admit(provider, limits, true, kNow).allowed);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(zone.settle(provider, limits, true, kNow).allowed);
  EXPECT_FALSE(zone.settle(provider, limits, true, kNow).allowed);
}

}  // namespace
}  // namespace voxfra
