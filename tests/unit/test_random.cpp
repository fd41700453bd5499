#include <gtest/gtest.h>

#include <set>

#include "auth/random.h"

namespace voxfra {
namespace {

bool url_safe(const std::string& s) {
  return s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
         std::string::npos;
}

TEST(Random, SlugIs32UrlSafeCharacters) {
  std::string slug = random_slug();
  EXPECT_EQ(slug.size(), 32u);
  EXPECT_TRUE(url_safe(slug)) << slug;
}

// A slug is passed on the command line: one starting with '-' would be
// taken for an option (it happened, 1 slug in 64, before this rule).
TEST(Random, SlugNeverStartsWithADash) {
  for (int i = 0; i < 2000; ++i) EXPECT_NE(random_slug().front(), '-');
}

TEST(Random, SlugsAreDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string slug = random_slug();
    ASSERT_TRUE(url_safe(slug)) << slug;
    seen.insert(slug);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Random, SecretHasPrefixAnd256Bits) {
  std::string secret = random_secret();
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u);
  EXPECT_EQ(secret.size(), 6u + 43u);
  EXPECT_TRUE(url_safe(secret.substr(6)));
  EXPECT_NE(secret, random_secret());
}

TEST(Random, HexIsLowercaseAndTwiceTheBytes) {
  std::string hex = random_hex(8);
  EXPECT_EQ(hex.size(), 16u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(random_hex(0), "");
}

}  // namespace
}  // namespace voxfra
