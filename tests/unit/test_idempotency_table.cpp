#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "limits/idempotency_table.h"

namespace voxfra {
namespace {

constexpr UnixMillis kT0 = 1'700'000'000'000;
constexpr std::int64_t kDay = 24 * 3600 * 1000;

// 8-byte aligned storage for a block, as shm would be.
std::vector<std::uint64_t> block_for(std::uint32_t keys) {
  return std::vector<std::uint64_t>((IdempotencyTable::bytes_for(keys) + 7) / 8);
}

IdempotencyTable make(std::vector<std::uint64_t>& block) {
  return IdempotencyTable::init(block.data(), block.size() * 8).value();
}

Key128 key(int n) { return hash_key("org|client|vapi|call-" + std::to_string(n) + "|end-of-call-report"); }

TEST(Idempotency, HashKeyIs128BitsOfSha256) {
  EXPECT_EQ(hash_key("a"), hash_key("a"));
  EXPECT_NE(hash_key("a"), hash_key("b"));
  // printf a | openssl dgst -sha256: ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb
  const Key128 k = hash_key("a");
  unsigned char bytes[16];
  std::memcpy(bytes, &k.hi, 8);
  std::memcpy(bytes + 8, &k.lo, 8);
  const unsigned char want[16] = {0xca, 0x97, 0x81, 0x12, 0xca, 0x1b, 0xbd, 0xca,
                                  0xfa, 0xc2, 0x31, 0xb3, 0x9a, 0x23, 0xdc, 0x4d};
  EXPECT_EQ(std::memcmp(bytes, want, 16), 0);
}

TEST(Idempotency, RememberThenLookup) {
  auto block = block_for(16);
  IdempotencyTable t = make(block);
  EXPECT_FALSE(t.lookup(key(1), kT0, kDay));
  EXPECT_FALSE(t.remember(key(1), 101, kT0).evicted);
  EXPECT_FALSE(t.remember(key(2), 102, kT0 + 5).evicted);
  EXPECT_EQ(t.lookup(key(1), kT0 + 10, kDay), 101u);
  EXPECT_EQ(t.lookup(key(2), kT0 + 10, kDay), 102u);
  EXPECT_FALSE(t.lookup(key(3), kT0 + 10, kDay));
  EXPECT_EQ(t.size(), 2u);
}

TEST(Idempotency, RememberingAgainReplaces) {
  auto block = block_for(4);
  IdempotencyTable t = make(block);
  t.remember(key(1), 1, kT0);
  t.remember(key(1), 2, kT0 + 1000);
  EXPECT_EQ(t.lookup(key(1), kT0 + 1000, 500), 2u);  // the new time counts
  EXPECT_EQ(t.size(), 1u);
}

TEST(Idempotency, WindowExpiry) {
  auto block = block_for(16);
  IdempotencyTable t = make(block);
  t.remember(key(1), 7, kT0);
  EXPECT_EQ(t.lookup(key(1), kT0 + kDay, kDay), 7u);  // exactly the window: still in
  EXPECT_FALSE(t.lookup(key(1), kT0 + kDay + 1, kDay));
  EXPECT_EQ(t.lookup(key(1), kT0 - 5000, kDay), 7u);  // clock stepped back: recent
  EXPECT_EQ(t.lookup(key(1), kT0 + kDay + 1, 2 * kDay), 7u);  // a longer window
}

TEST(Idempotency, ForgetOlderThanDropsFromTheOldEnd) {
  auto block = block_for(16);
  IdempotencyTable t = make(block);
  for (int i = 0; i < 10; ++i) t.remember(key(i), static_cast<std::uint64_t>(i), kT0 + i * 1000);
  EXPECT_EQ(t.forget_older_than(kT0 + 4000), 4u);  // 0..3
  EXPECT_EQ(t.size(), 6u);
  EXPECT_FALSE(t.lookup(key(3), kT0 + 4000, kDay));
  EXPECT_EQ(t.lookup(key(4), kT0 + 4000, kDay), 4u);
  EXPECT_EQ(t.forget_older_than(kT0 + 4000), 0u);
  EXPECT_EQ(t.forget_older_than(kT0 + 100'000), 6u);
  EXPECT_EQ(t.size(), 0u);
  // Empty and reused afterwards.
  t.remember(key(1), 11, kT0 + 200'000);
  EXPECT_EQ(t.lookup(key(1), kT0 + 200'000, kDay), 11u);
}

TEST(Idempotency, EvictsTheOldestWhenFull) {
  auto block = block_for(8);
  IdempotencyTable t = make(block);
  ASSERT_EQ(t.capacity(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_FALSE(t.remember(key(i), static_cast<std::uint64_t>(i), kT0 + i).evicted);
  RememberResult r = t.remember(key(8), 8, kT0 + 8);
  EXPECT_TRUE(r.evicted);
  EXPECT_EQ(t.evictions(), 1u);
  EXPECT_FALSE(t.lookup(key(0), kT0 + 8, kDay));  // the oldest went
  for (int i = 1; i <= 8; ++i) EXPECT_EQ(t.lookup(key(i), kT0 + 8, kDay), static_cast<std::uint64_t>(i));
  EXPECT_EQ(t.size(), 8u);
}

TEST(Idempotency, ReplacedEntriesMakeRoomWithoutCountingAsEvictions) {
  auto block = block_for(4);
  IdempotencyTable t = make(block);
  t.remember(key(1), 1, kT0);
  t.remember(key(1), 2, kT0 + 1);  // position 0 is now a hole
  t.remember(key(2), 3, kT0 + 2);
  t.remember(key(3), 4, kT0 + 3);
  EXPECT_FALSE(t.remember(key(4), 5, kT0 + 4).evicted);  // reuses the hole
  EXPECT_EQ(t.evictions(), 0u);
  EXPECT_TRUE(t.remember(key(5), 6, kT0 + 5).evicted);  // now key 1 goes
  EXPECT_FALSE(t.lookup(key(1), kT0 + 5, kDay));
  EXPECT_EQ(t.lookup(key(2), kT0 + 5, kDay), 3u);
}

TEST(Idempotency, SameFirstHalfDifferentSecondHalf) {
  // Keys that share the 64 bits that place them in the index stay distinct.
  auto block = block_for(8);
  IdempotencyTable t = make(block);
  t.remember({1, 2}, 12, kT0);
  t.remember({1, 3}, 13, kT0);
  EXPECT_EQ(t.lookup({1, 2}, kT0, kDay), 12u);
  EXPECT_EQ(t.lookup({1, 3}, kT0, kDay), 13u);
  EXPECT_FALSE(t.lookup({1, 4}, kT0, kDay));
}

TEST(Idempotency, WorksAfterTheBlockIsCopiedElsewhere) {
  auto block = block_for(32);
  IdempotencyTable t = make(block);
  for (int i = 0; i < 20; ++i) t.remember(key(i), static_cast<std::uint64_t>(1000 + i), kT0);
  std::vector<std::uint64_t> moved(block.size());
  std::memcpy(moved.data(), block.data(), block.size() * 8);
  std::fill(block.begin(), block.end(), 0);  // the original is gone
  IdempotencyTable copy = IdempotencyTable::attach(moved.data()).value();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(copy.lookup(key(i), kT0, kDay), static_cast<std::uint64_t>(1000 + i));
  copy.remember(key(99), 5, kT0);
  EXPECT_EQ(copy.lookup(key(99), kT0, kDay), 5u);
  EXPECT_FALSE(IdempotencyTable::attach(block.data()));  // zeroed: not a table
}

TEST(Idempotency, TablesDoNotAttachToEachOthersBlocks) {
  auto block = block_for(8);
  make(block);
  EXPECT_TRUE(IdempotencyTable::attach(block.data()));
  std::vector<std::uint64_t> small(2);
  EXPECT_FALSE(IdempotencyTable::init(small.data(), small.size() * 8));
}

// Random remember/lookup/forget against a reference model, with index keys
// that collide (same low bits) so that deletions shift probe runs around.
TEST(Idempotency, ChurnMatchesAModel) {
  for (int shift : {0, 40}) {
    auto block = block_for(64);
    IdempotencyTable t = make(block);
    const std::uint32_t cap = t.capacity();
    std::mt19937_64 rng(99);
    std::vector<std::pair<Key128, std::uint64_t>> model;  // insertion order, oldest first
    UnixMillis now = kT0;
    for (int i = 0; i < 20000; ++i) {
      now += static_cast<UnixMillis>(rng() % 10);
      const Key128 k{(rng() % 200 + 1) << shift, rng() % 3};
      const auto it = std::find_if(model.begin(), model.end(), [&](const auto& e) { return e.first == k; });
      const auto got = t.lookup(k, now, kDay);
      if (it == model.end()) {
        ASSERT_FALSE(got) << "shift " << shift << " step " << i;
      } else {
        ASSERT_EQ(got, it->second) << "shift " << shift << " step " << i;
      }
      if (rng() % 2) {
        if (it != model.end()) model.erase(it);
        const bool full = model.size() == cap;
        // It must evict when full; it may also evict earlier, when the ring
        // is full of holes left by replacements. Either way the oldest goes.
        const RememberResult r = t.remember(k, static_cast<std::uint64_t>(i), now);
        if (full) {
          ASSERT_TRUE(r.evicted) << "step " << i;
        }
        if (r.evicted) model.erase(model.begin());
        model.emplace_back(k, static_cast<std::uint64_t>(i));
      }
      ASSERT_EQ(t.size(), model.size());
    }
  }
}

}  // namespace
}  // namespace voxfra
