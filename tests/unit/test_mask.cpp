// mask_slug_shapes: what the error and access logs show of a slug.
#include <gtest/gtest.h>

#include <string>

#include "util/mask.h"

namespace voxfra {
namespace {

std::string shapes_masked(std::string text, std::size_t* count = nullptr) {
  std::size_t n = mask_slug_shapes(text.data(), text.size());
  if (count != nullptr) *count = n;
  return text;
}

const std::string kSlug = "h8wPwgymJrsds-yYzoEpVMWjOgjyDznY";
const std::string kMasked = "h8wP" + std::string(28, '*');

TEST(MaskSlugShapes, ASlugInAnyPositionOfThePath) {
  std::size_t n = 0;
  EXPECT_EQ(shapes_masked("POST /webhooks/custom/" + kSlug + "/events HTTP/1.1", &n),
            "POST /webhooks/custom/" + kMasked + "/events HTTP/1.1");
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(shapes_masked("/webhooks/" + kSlug + "/custom"), "/webhooks/" + kMasked + "/custom");
  EXPECT_EQ(shapes_masked("/" + kSlug), "/" + kMasked);
  EXPECT_EQ(shapes_masked(kSlug + "/" + kSlug, &n), kMasked + "/" + kMasked);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(shapes_masked("/hook?p=custom&s=" + kSlug + "&x=1"), "/hook?p=custom&s=" + kMasked + "&x=1");
  EXPECT_EQ(shapes_masked("/webhooks/custom/" + kSlug + ".json"), "/webhooks/custom/" + kMasked + ".json");
}

TEST(MaskSlugShapes, PercentEncodedCharactersCountAsTheCharactersTheyEncode) {
  // The first character encoded: the log shows the four characters as sent.
  const std::string encoded = "%68" + kSlug.substr(1);
  EXPECT_EQ(shapes_masked("/webhooks/custom/" + encoded), "/webhooks/custom/%688wP" + std::string(encoded.size() - 6, '*'));
  std::string all;
  for (char c : kSlug) all += "%" + std::string(1, "0123456789ABCDEF"[c >> 4]) + "0123456789ABCDEF"[c & 15];
  std::string out = shapes_masked("/x/" + all);
  EXPECT_EQ(out, "/x/" + all.substr(0, 12) + std::string(all.size() - 12, '*'));
  // Lower-case hex digits too, in the middle of a slug.
  EXPECT_EQ(shapes_masked("/x/h8wPwgymJrsds%2dyYzoEpVMWjOgjyDznY"), "/x/h8wP" + std::string(30, '*'));
}

TEST(MaskSlugShapes, WhatIsNotASlugCharacterEndsARun) {
  // An encoded '/' splits what would otherwise be one run into two short ones.
  const std::string half = kSlug.substr(0, 16);
  EXPECT_EQ(shapes_masked("/x/" + half + "%2F" + half), "/x/" + half + "%2F" + half);
  EXPECT_EQ(shapes_masked("/x/" + half + "%zz" + half), "/x/" + half + "%zz" + half);
  EXPECT_EQ(shapes_masked("/x/" + half + "%4"), "/x/" + half + "%4");  // cut off at the end
}

TEST(MaskSlugShapes, LeavesShorterWordsAlone) {
  std::size_t n = 1;
  const std::string path = "POST /webhooks/elevenlabs/abcdefghijklmnopqrstu?a=b HTTP/1.1";  // 21 characters
  EXPECT_EQ(shapes_masked(path, &n), path);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(shapes_masked("/webhooks/x/abcdefghijklmnopqrstuv", &n), "/webhooks/x/abcd" + std::string(18, '*'));
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(shapes_masked(""), "");
}

}  // namespace
}  // namespace voxfra
