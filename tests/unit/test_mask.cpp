// mask_secret: what the error and access logs show of a slug.
#include <gtest/gtest.h>

#include <string>

#include "util/mask.h"

namespace voxfra {
namespace {

std::string masked(std::string text, std::string_view secret, std::size_t* count = nullptr) {
  std::size_t n = mask_secret(text.data(), text.size(), secret);
  if (count != nullptr) *count = n;
  return text;
}

TEST(MaskSecret, KeepsTheFirstFourCharactersOfASlug) {
  const std::string slug = "h8wPwgymJrsds-yYzoEpVMWjOgjyDznY";
  std::size_t n = 0;
  EXPECT_EQ(masked("POST /webhooks/vapi/" + slug + " HTTP/1.1", slug, &n),
            "POST /webhooks/vapi/h8wP" + std::string(slug.size() - 4, '*') + " HTTP/1.1");
  EXPECT_EQ(n, 1u);
}

TEST(MaskSecret, EveryOccurrence) {
  std::size_t n = 0;
  EXPECT_EQ(masked("/a/abcdefghij?s=abcdefghij&t=abcdefghijk", "abcdefghij", &n),
            "/a/abcd******?s=abcd******&t=abcd******k");
  EXPECT_EQ(n, 3u);
}

TEST(MaskSecret, AShortSecretIsMaskedWhole) {
  EXPECT_EQ(masked("/webhooks/vapi/abcdefgh", "abcdefgh"), "/webhooks/vapi/********");
  EXPECT_EQ(masked("/x/ab/", "ab"), "/x/**/");
}

TEST(MaskSecret, LeavesTextWithoutTheSecretAlone) {
  std::size_t n = 1;
  EXPECT_EQ(masked("/webhooks/vapi/other", "abcdefghij", &n), "/webhooks/vapi/other");
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(masked("/abcdefghi", "abcdefghij", &n), "/abcdefghi");  // a prefix only, at the end
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(masked("anything", "", &n), "anything");
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(masked("", "abc", &n), "");
}

}  // namespace
}  // namespace voxfra
