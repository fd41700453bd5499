#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "limits/rate_window.h"

namespace voxfra {
namespace {

constexpr UnixMillis kSecond = 1000;
constexpr UnixMillis kT0 = 1'700'000'000'000;  // on a second boundary

// A table in a std::vector, as the unit tests place it (the glue uses shm).
// uint64_t elements keep the block 8-byte aligned.
struct Block {
  explicit Block(std::size_t bytes) : words((bytes + 7) / 8) {}
  void* data() { return words.data(); }
  std::size_t size() const { return words.size() * 8; }
  std::vector<std::uint64_t> words;
};

struct Fixture {
  explicit Fixture(std::uint32_t endpoints = 16) : block(RateTable::bytes_for(endpoints)) {
    table = RateTable::init(block.data(), block.size()).value();
  }
  Fixture(const Fixture& other) : block(other.block) { table = RateTable::attach(block.data()).value(); }

  Block block;
  std::optional<RateTable> table;
};

// Passes `count` requests at `now` and says how many passed.
int burst(RateTable& t, std::uint64_t key, std::uint32_t limit, UnixMillis now, int count) {
  int passed = 0;
  for (int i = 0; i < count; ++i) passed += t.check(key, limit, now).allowed;
  return passed;
}

TEST(RateWindow, BurstOfNPlusThreeGivesExactlyNPasses) {
  Fixture f;
  const std::uint32_t n = 10;
  int passed = 0, refused = 0;
  for (int i = 0; i < 13; ++i) {
    RateDecision d = f.table->check(1, n, kT0 + 250);
    if (d.allowed) {
      ++passed;
      EXPECT_EQ(d.retry_after_seconds, 0u);
    } else {
      ++refused;
      EXPECT_GE(d.retry_after_seconds, 1u);
      EXPECT_LE(d.retry_after_seconds, 61u);
    }
    EXPECT_FALSE(d.evicted);
  }
  EXPECT_EQ(passed, 10);
  EXPECT_EQ(refused, 3);
}

TEST(RateWindow, WindowEdges) {
  for (UnixMillis start : {kT0, kT0 + 500, kT0 + 999}) {
    Fixture f;
    ASSERT_EQ(burst(*f.table, 7, 5, start, 5), 5);
    Fixture at_59_999(f), at_60(f), at_61(f);
    EXPECT_FALSE(at_59_999.table->check(7, 5, start + 59'999).allowed) << start;
    // The bucket of `start` is still counted a whole second later: at most
    // one second of caution, never a second burst inside 60 s.
    EXPECT_FALSE(at_60.table->check(7, 5, start + 60'000).allowed) << start;
    EXPECT_EQ(burst(*at_61.table, 7, 5, start + 61'000, 6), 5) << start;
  }
}

TEST(RateWindow, RetryAfterOfABurstIsTheBucketsExpiry) {
  Fixture f;
  ASSERT_EQ(burst(*f.table, 1, 3, kT0 + 400, 3), 3);
  RateDecision d = f.table->check(1, 3, kT0 + 400);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 61u);
  // Later in the minute the wait shrinks with it.
  d = f.table->check(1, 3, kT0 + 30'700);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 31u);
}

TEST(RateWindow, RetryAfterOnlyWaitsForWhatMustExpire) {
  // 2 at t0, 2 at t0+10 s, 2 at t0+20 s, limit 6: at t0+30 s, one bucket
  // leaving (t0's) is enough; the wait is until t0+61 s.
  Fixture f;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(burst(*f.table, 1, 6, kT0 + i * 10 * kSecond, 2), 2);
  RateDecision d = f.table->check(1, 6, kT0 + 30 * kSecond);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 31u);
}

// The contract on random traffic: a refusal's Retry-After is honest (that many
// seconds later, with no other traffic, a request passes) and minimal (one
// second less does not), and no rolling 60 s ever holds more than N passes.
TEST(RateWindow, RetryAfterIsHonestAndMinimalOnRandomTraffic) {
  std::mt19937_64 rng(12345);
  for (std::uint32_t limit : {1u, 2u, 5u, 17u, 100u}) {
    Fixture f;
    UnixMillis now = kT0 + static_cast<UnixMillis>(rng() % 1000);
    std::vector<UnixMillis> passed;
    int refusals = 0;
    for (int i = 0; i < 3000; ++i) {
      // About 1.25 N a minute, with an occasional pause of up to two minutes.
      const std::uint64_t mean_gap = 60'000 / limit;
      now += static_cast<UnixMillis>(rng() % 50 == 0 ? rng() % 120'000 : rng() % (mean_gap * 8 / 5 + 1));
      RateDecision d = f.table->check(42, limit, now);
      if (d.allowed) {
        passed.push_back(now);
        continue;
      }
      ++refusals;
      const UnixMillis wait = UnixMillis{d.retry_after_seconds} * kSecond;
      Fixture later(f);
      EXPECT_TRUE(later.table->check(42, limit, now + wait).allowed) << "limit " << limit << " at " << now;
      Fixture earlier(f);
      EXPECT_FALSE(earlier.table->check(42, limit, now + wait - kSecond).allowed)
          << "limit " << limit << " at " << now;
    }
    EXPECT_GT(refusals, 10) << limit;
    for (std::size_t i = 0, j = 0; i < passed.size(); ++i) {
      while (passed[i] - passed[j] >= 60'000) ++j;
      ASSERT_LE(i - j + 1, limit) << "more than " << limit << " passes in 60 s ending at " << passed[i];
    }
  }
}

TEST(RateWindow, ClockStepBackDoesNotUnlockABurst) {
  Fixture f;
  ASSERT_EQ(burst(*f.table, 1, 4, kT0 + 10 * kSecond, 4), 4);
  const UnixMillis back = kT0 - 20 * kSecond;  // 30 s earlier than the burst
  RateDecision d = f.table->check(1, 4, back);
  EXPECT_FALSE(d.allowed);
  // Treated as the burst's own second: the same wait as at the burst.
  EXPECT_EQ(d.retry_after_seconds, 61u);
  EXPECT_EQ(burst(*f.table, 1, 4, back + 60 * kSecond, 2), 0);
  EXPECT_EQ(burst(*f.table, 1, 4, back + 61 * kSecond, 5), 4);
}

TEST(RateWindow, BigClockStepBackNeitherUnlocksNorLocksOut) {
  Fixture f;
  ASSERT_EQ(burst(*f.table, 1, 4, kT0, 4), 4);
  const UnixMillis back = kT0 - 3600 * kSecond;
  EXPECT_FALSE(f.table->check(1, 4, back).allowed);
  // Not an hour's lock-out: the burst expires a minute later on the new clock.
  EXPECT_EQ(burst(*f.table, 1, 4, back + 61 * kSecond, 5), 4);
}

TEST(RateWindow, ClockStepBackKeepsPartialHistory) {
  Fixture f;
  ASSERT_EQ(burst(*f.table, 1, 4, kT0, 2), 2);
  ASSERT_EQ(burst(*f.table, 1, 4, kT0 + 30 * kSecond, 2), 2);
  const UnixMillis back = kT0 + 25 * kSecond;  // 5 s back
  RateDecision d = f.table->check(1, 4, back);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 31u);  // the t0 bucket, 30 s older than "now"
  EXPECT_EQ(burst(*f.table, 1, 4, back + 31 * kSecond, 3), 2);
}

TEST(RateWindow, BigForwardJumpClearsTheBuckets) {
  Fixture f;
  ASSERT_EQ(burst(*f.table, 1, 4, kT0, 4), 4);
  EXPECT_EQ(burst(*f.table, 1, 4, kT0 + 3600 * kSecond, 6), 4);
  // …and a jump of exactly 61 buckets' worth too.
  Fixture g;
  ASSERT_EQ(burst(*g.table, 1, 4, kT0, 4), 4);
  EXPECT_EQ(burst(*g.table, 1, 4, kT0 + 61 * kSecond, 6), 4);
}

TEST(RateWindow, KeysAreIndependent) {
  Fixture f;
  EXPECT_EQ(burst(*f.table, rate_key("slug-a"), 3, kT0, 5), 3);
  EXPECT_EQ(burst(*f.table, rate_key("slug-b"), 3, kT0, 5), 3);
  EXPECT_EQ(burst(*f.table, rate_key("slug-a"), 3, kT0 + kSecond, 1), 0);
  EXPECT_NE(rate_key("slug-a"), rate_key("slug-b"));
  EXPECT_EQ(rate_key("slug-a"), rate_key("slug-a"));
  EXPECT_EQ(f.table->size(), 2u);
}

TEST(RateWindow, LimitChangesApplyAtOnce) {
  Fixture f;
  ASSERT_EQ(burst(*f.table, 1, 10, kT0, 8), 8);
  EXPECT_FALSE(f.table->check(1, 5, kT0).allowed);  // lowered below what passed
  EXPECT_EQ(burst(*f.table, 1, 12, kT0, 9), 4);      // raised
}

TEST(RateWindow, LimitZeroRefusesAll) {
  Fixture f;
  RateDecision d = f.table->check(1, 0, kT0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 61u);
}

TEST(RateWindow, EvictsTheLeastRecentlyUsedWhenFull) {
  Block block(RateTable::bytes_for(2));
  RateTable t = RateTable::init(block.data(), block.size()).value();
  ASSERT_EQ(t.capacity(), 2u);
  EXPECT_TRUE(t.check(1, 1, kT0).allowed);
  EXPECT_TRUE(t.check(2, 1, kT0).allowed);
  EXPECT_FALSE(t.check(1, 1, kT0).allowed);  // 1 is now the most recent
  RateDecision d = t.check(3, 1, kT0);       // full: 2 goes
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.evicted);
  EXPECT_EQ(t.evictions(), 1u);
  EXPECT_FALSE(t.check(1, 1, kT0).evicted);  // 1 kept its count
  EXPECT_FALSE(t.check(1, 1, kT0).allowed);
  d = t.check(2, 1, kT0);  // 2 forgot it passed; 3 goes
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.evicted);
  EXPECT_EQ(t.evictions(), 2u);
  EXPECT_EQ(t.size(), 2u);
}

// Churn through many more endpoints than fit, with keys that collide in
// the index (same low bits), to exercise backward-shift deletion: every
// endpoint still held must still be found with its count.
TEST(RateWindow, ChurnKeepsTheIndexConsistent) {
  for (int shift : {0, 40}) {
    Fixture f(64);
    const std::uint32_t cap = f.table->capacity();
    std::mt19937_64 rng(7);
    std::vector<std::uint64_t> recent;
    for (int i = 0; i < 5000; ++i) {
      std::uint64_t key = (rng() % 300 + 1) << shift;
      f.table->check(key, 1, kT0);
      std::erase(recent, key);
      recent.push_back(key);
    }
    ASSERT_EQ(f.table->size(), cap);
    // The `cap` most recently used are the ones held, each with its pass.
    for (std::size_t i = recent.size() - cap; i < recent.size(); ++i) {
      RateDecision d = f.table->check(recent[i], 1, kT0);
      EXPECT_FALSE(d.allowed) << "key " << recent[i] << " shift " << shift;
      EXPECT_FALSE(d.evicted);
    }
  }
}

TEST(RateWindow, BlockSizeAlignmentAndAttach) {
  Block tiny(RateTable::bytes_for(1));
  EXPECT_FALSE(RateTable::init(tiny.data(), RateTable::bytes_for(1) - 1));
  Block one(RateTable::bytes_for(1));
  ASSERT_TRUE(RateTable::init(one.data(), one.size()));
  EXPECT_EQ(RateTable::init(one.data(), one.size())->capacity(), 1u);

  Block big(RateTable::bytes_for(100) + 8);
  auto* misaligned = static_cast<unsigned char*>(big.data()) + 4;
  EXPECT_FALSE(RateTable::init(misaligned, big.size() - 4));

  Block garbage(RateTable::bytes_for(4));
  std::memset(garbage.data(), 0x5a, garbage.size());
  EXPECT_FALSE(RateTable::attach(garbage.data()));
}

TEST(RateWindow, StateIsSharedThroughTheBlockAndSurvivesAMove) {
  Fixture f;
  ASSERT_EQ(burst(*f.table, 9, 3, kT0, 2), 2);
  // Another process attaching the same block sees the same counts.
  RateTable other = RateTable::attach(f.block.data()).value();
  EXPECT_TRUE(other.check(9, 3, kT0).allowed);
  EXPECT_FALSE(f.table->check(9, 3, kT0).allowed);
  // A copy at another address (no pointers inside) works on its own.
  Block moved(f.block.size());
  std::memcpy(moved.data(), f.block.data(), f.block.size());
  RateTable copy = RateTable::attach(moved.data()).value();
  EXPECT_FALSE(copy.check(9, 3, kT0).allowed);
  EXPECT_EQ(burst(copy, 9, 3, kT0 + 61 * kSecond, 4), 3);
  EXPECT_FALSE(f.table->check(9, 3, kT0 + 61 * kSecond).evicted);
}

TEST(RateWindow, PeekCountsNothing) {
  Fixture f;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(f.table->peek(7, 2, kT0).allowed);
  EXPECT_EQ(f.table->size(), 0u);  // an unknown key is not added
  EXPECT_EQ(burst(*f.table, 7, 2, kT0, 2), 2);
  RateDecision full = f.table->peek(7, 2, kT0 + 500);
  EXPECT_FALSE(full.allowed);
  EXPECT_EQ(full.retry_after_seconds, 61u);  // both requests are in second 0: they leave the window at 61
  EXPECT_TRUE(f.table->peek(7, 2, kT0 + 61 * kSecond).allowed);
  EXPECT_FALSE(f.table->peek(8, 0, kT0).allowed);  // limit 0 refuses all, known or not
}

}  // namespace
}  // namespace voxfra
