#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>

#include "util/time.h"

namespace voxfra {
namespace {

constexpr UnixMillis kVapiStartedAt = 1732349882512;  // 2024-11-23T08:18:02.512Z

TEST(TimeParse, UtcWithMilliseconds) {
  EXPECT_EQ(parse_iso8601("2024-11-23T08:18:02.512Z"), kVapiStartedAt);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00.001Z"), 1);
}

TEST(TimeParse, SeparatorsAndCase) {
  EXPECT_EQ(parse_iso8601("2024-11-23t08:18:02.512z"), kVapiStartedAt);
  EXPECT_EQ(parse_iso8601("2024-11-23 08:18:02.512Z"), kVapiStartedAt);
}

TEST(TimeParse, FractionsKeepMillisecondsTruncated) {
  EXPECT_EQ(parse_iso8601("2024-11-23T08:18:02.5Z"), kVapiStartedAt - 12);
  EXPECT_EQ(parse_iso8601("2024-11-23T08:18:02.51Z"), kVapiStartedAt - 2);
  EXPECT_EQ(parse_iso8601("2024-11-23T08:18:02.512999Z"), kVapiStartedAt);
  EXPECT_EQ(parse_iso8601("2024-11-23T08:18:02.512999999Z"), kVapiStartedAt);
  EXPECT_EQ(parse_iso8601("2024-11-23T08:18:02.5129999999Z"), std::nullopt) << "10 digits";
  EXPECT_EQ(parse_iso8601("2024-11-23T08:18:02.Z"), std::nullopt) << "no digits";
}

TEST(TimeParse, Offsets) {
  // Bland sends microseconds with "+00:00", others "+0100" or "+01".
  EXPECT_EQ(parse_iso8601("2024-04-27T23:51:18.025251+00:00"), parse_iso8601("2024-04-27T23:51:18.025Z"));
  EXPECT_EQ(parse_iso8601("2024-11-23 09:18:02.512+0100"), kVapiStartedAt);
  EXPECT_EQ(parse_iso8601("2024-11-23T09:18:02.512+01:00"), kVapiStartedAt);
  EXPECT_EQ(parse_iso8601("2024-11-23T09:18:02.512+01"), kVapiStartedAt);
  EXPECT_EQ(parse_iso8601("2024-11-23T02:48:02.512-05:30"), kVapiStartedAt);
  EXPECT_EQ(parse_iso8601("2024-11-23T08:18:02.512-00:00"), kVapiStartedAt);
  // An offset that crosses midnight and the year.
  EXPECT_EQ(parse_iso8601("2024-12-31T23:30:00-01:00"), parse_iso8601("2025-01-01T00:30:00Z"));
}

TEST(TimeParse, CalendarRanges) {
  EXPECT_TRUE(parse_iso8601("2024-02-29T00:00:00Z")) << "leap year";
  EXPECT_TRUE(parse_iso8601("2000-02-29T00:00:00Z")) << "divisible by 400";
  EXPECT_FALSE(parse_iso8601("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("1900-02-29T00:00:00Z")) << "divisible by 100";
  EXPECT_FALSE(parse_iso8601("2024-04-31T00:00:00Z"));
  EXPECT_TRUE(parse_iso8601("2024-12-31T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("2024-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("2024-00-01T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("2024-01-00T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("2024-01-01T24:00:00Z"));
  EXPECT_FALSE(parse_iso8601("2024-01-01T23:60:00Z"));
  EXPECT_FALSE(parse_iso8601("2024-01-01T23:59:61Z"));
  EXPECT_EQ(parse_iso8601("2016-12-31T23:59:60Z"), parse_iso8601("2017-01-01T00:00:00Z")) << "leap second";
  EXPECT_FALSE(parse_iso8601("2024-01-01T00:00:00+24:00"));
  EXPECT_FALSE(parse_iso8601("2024-01-01T00:00:00+01:60"));
}

TEST(TimeParse, RejectsOtherShapes) {
  for (const char* text : {
           "",
           "2024-11-23",                   // a date alone
           "2024-11-23T08:18Z",            // no seconds
           "2024-11-23T08:18:02",          // no zone
           "2024-11-23T08:18:02.512",      // no zone
           "2024-11-23T08:18:02.512Z ",    // trailing space
           " 2024-11-23T08:18:02.512Z",    // leading space
           "2024-11-23T08:18:02.512ZZ",
           "2024-11-23X08:18:02Z",
           "24-11-23T08:18:02Z",
           "2024-1-23T08:18:02Z",
           "2024/11/23T08:18:02Z",
           "2024-11-23T8:18:02Z",
           "2024-11-23T08:18:02+1",
           "2024-11-23T08:18:02+01:",
           "2024-11-23T08:18:02+01:0",
           "2024-11-23T08:18:02+010",
           "2024-11-23T08:18:02+01:00:00",
           "2024-11-23T08:18:02,512Z",
           "1732349882512",
           "+2024-11-23T08:18:02Z",
       }) {
    EXPECT_EQ(parse_iso8601(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(TimeFormat, FixedWidthUtc) {
  EXPECT_EQ(format_rfc3339(kVapiStartedAt), "2024-11-23T08:18:02.512Z");
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(951782400000), "2000-02-29T00:00:00.000Z");
  char text[32];
  EXPECT_EQ(format_rfc3339(1, text), 24u);
  EXPECT_STREQ(text, "1970-01-01T00:00:00.001Z");
}

TEST(TimeFormat, BeforeTheEpochUsesFloorDivision) {
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(-1000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(format_rfc3339(-86400000), "1969-12-31T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(-86400001), "1969-12-30T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(*parse_iso8601("1900-02-28T12:34:56.789Z")), "1900-02-28T12:34:56.789Z");
  EXPECT_EQ(format_rfc3339(*parse_iso8601("0000-01-01T00:00:00Z")), "0000-01-01T00:00:00.000Z");
}

TEST(TimeFormat, ClampsToFourDigitYears) {
  EXPECT_EQ(format_rfc3339(INT64_MAX), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(INT64_MIN), "0000-01-01T00:00:00.000Z");
}

TEST(TimeFormat, RoundTripsThroughParse) {
  std::mt19937_64 random(20241123);
  const UnixMillis first = *parse_iso8601("0000-01-01T00:00:00Z");
  const UnixMillis last = *parse_iso8601("9999-12-31T23:59:59.999Z");
  std::uniform_int_distribution<UnixMillis> any_time(first, last);
  for (int i = 0; i < 100000; ++i) {
    const UnixMillis t = any_time(random);
    const std::string text = format_rfc3339(t);
    ASSERT_EQ(text.size(), 24u);
    ASSERT_EQ(parse_iso8601(text), t) << text;
  }
}

TEST(TimeDuration, UnitsAndPlainSeconds) {
  EXPECT_EQ(parse_duration_seconds("90s"), 90);
  EXPECT_EQ(parse_duration_seconds("15m"), 900);
  EXPECT_EQ(parse_duration_seconds("24h"), 86400);
  EXPECT_EQ(parse_duration_seconds("7d"), 604800);
  EXPECT_EQ(parse_duration_seconds("42"), 42);
  EXPECT_EQ(parse_duration_seconds("0"), 0);
}

TEST(TimeDuration, RejectsOtherShapesAndOverflow) {
  for (const char* text : {"", "s", "-5", "-5s", "+5", "5w", "5S", "1.5h", " 5", "5 ", "5ms", "1h30m",
                           "99999999999999999999", "9223372036854775807", "9223372036854776s",
                           "106751991168d", "106751991167301d"}) {
    EXPECT_EQ(parse_duration_seconds(text), std::nullopt) << '"' << text << '"';
  }
  // The largest that callers can still turn into milliseconds.
  EXPECT_EQ(parse_duration_seconds("9223372036854775"), 9223372036854775);
  EXPECT_EQ(parse_duration_seconds("106751991167d"), 106751991167 * 86400);
}

TEST(TimeNow, IsTheWallClock) {
  const auto system_now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  EXPECT_LE(std::llabs(now_millis() - system_now), 1000);
}

}  // namespace
}  // namespace voxfra
