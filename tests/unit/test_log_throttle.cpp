#include "util/log_throttle.h"

#include <gtest/gtest.h>

#include "util/printable.h"

namespace voxfra {
namespace {

TEST(LogThrottle, LogsTheFirstOfABurstThenOncePerIntervalWithTheCountLeftOut) {
  LogThrottle t(10000);
  std::uint64_t left_out = 99;
  EXPECT_TRUE(t.admit(1000, left_out));
  EXPECT_EQ(left_out, 0u);
  for (int i = 1; i <= 500; ++i) EXPECT_FALSE(t.admit(1000 + i * 10, left_out));
  EXPECT_FALSE(t.admit(10999, left_out));
  EXPECT_TRUE(t.admit(11000, left_out));
  EXPECT_EQ(left_out, 501u);
  EXPECT_TRUE(t.admit(50000, left_out));  // a quiet spell: the next one is logged at once
  EXPECT_EQ(left_out, 0u);
}

TEST(Printable, ReplacesWhatCouldForgeALogLine) {
  char out[16];
  std::string_view in("a\nb\"c\\d\x01\xff" "e", 10);
  std::size_t n = printable(in, out, sizeof out);
  EXPECT_EQ(std::string_view(out, n), "a?b?c?d??e");
  EXPECT_EQ(printable(std::string(40, 'x'), out, sizeof out), sizeof out);
}

}  // namespace
}  // namespace voxfra
