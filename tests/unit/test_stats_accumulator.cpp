#include <gtest/gtest.h>

#include "ingest/stats_accumulator.h"

namespace voxfra {
namespace {

using Deltas = std::vector<std::pair<std::string, EndpointStats>>;

TEST(StatsAccumulatorTest, TakeMovesTheDeltasOutAndStartsAfresh) {
  StatsAccumulator stats;
  stats.count("slug-a", Outcome::accepted, Reason::none, 1000);
  stats.count("slug-a", Outcome::rejected, Reason::bad_signature, 2000);
  Deltas out;
  stats.take(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, "slug-a");
  EXPECT_EQ(out[0].second.requests, 2u);
  EXPECT_EQ(out[0].second.accepted, 1u);
  EXPECT_EQ(out[0].second.rejected, 1u);
  EXPECT_EQ(out[0].second.last_used_at, 2000);
  EXPECT_TRUE(stats.empty());
}

// A flush that failed gives its deltas back; the next one carries them with
// whatever was counted meanwhile, so that no count is lost or doubled.
TEST(StatsAccumulatorTest, DeltasGivenBackAreInTheNextTake) {
  StatsAccumulator stats;
  stats.count("slug-a", Outcome::accepted, Reason::none, 1000);
  stats.count("slug-b", Outcome::duplicate, Reason::none, 1500);
  Deltas failed;
  stats.take(failed);
  stats.count("slug-a", Outcome::accepted, Reason::none, 3000);
  stats.give_back(failed);
  Deltas next;
  stats.take(next);
  ASSERT_EQ(next.size(), 2u);
  for (const auto& [slug, delta] : next) {
    if (slug == "slug-a") {
      EXPECT_EQ(delta.requests, 2u);
      EXPECT_EQ(delta.accepted, 2u);
      EXPECT_EQ(delta.last_used_at, 3000);
    } else {
      EXPECT_EQ(slug, "slug-b");
      EXPECT_EQ(delta.requests, 1u);
      EXPECT_EQ(delta.duplicate, 1u);
    }
  }
}

}  // namespace
}  // namespace voxfra
