#include "util/time.h"

#include <time.h>

#include <chrono>
#include <cstddef>
#include <limits>

namespace voxfra {

namespace {

constexpr std::int64_t kMillisPerSecond = 1000;
constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::int64_t kMillisPerDay = kSecondsPerDay * kMillisPerSecond;

namespace chrono = std::chrono;

// Days since 1970-01-01 of a proleptic Gregorian date, through <chrono>'s
// calendar (not timegm/gmtime, so that neither the C library's locale nor TZ
// takes part).
constexpr std::int64_t days_from_civil(int year, unsigned month, unsigned day) {
  return chrono::sys_days(chrono::year(year) / chrono::month(month) / chrono::day(day)).time_since_epoch().count();
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);

// The range that formats as exactly 24 characters: years 0000 to 9999.
constexpr UnixMillis kFirstFormattable = days_from_civil(0, 1, 1) * kMillisPerDay;
constexpr UnixMillis kLastFormattable = days_from_civil(10000, 1, 1) * kMillisPerDay - 1;

// Reads the text left to right; every read fails softly so that a parse is a
// chain of checks without exceptions.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  bool skip(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  bool skip_any_of(std::string_view chars) {
    if (at_end() || chars.find(text_[pos_]) == std::string_view::npos) return false;
    ++pos_;
    return true;
  }

  // Exactly `count` ASCII digits.
  bool digits(std::size_t count, unsigned& value) {
    value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (!is_digit(peek())) return false;
      value = value * 10 + static_cast<unsigned>(text_[pos_++] - '0');
    }
    return true;
  }

  // 1 to 9 digits of a fraction of a second, as milliseconds (truncated).
  bool fraction_millis(unsigned& millis) {
    millis = 0;
    std::size_t count = 0;
    while (is_digit(peek())) {
      if (++count > 9) return false;
      const auto digit = static_cast<unsigned>(text_[pos_++] - '0');
      if (count <= 3) millis = millis * 10 + digit;
    }
    for (std::size_t i = count; i < 3; ++i) millis *= 10;
    return count > 0;
  }

 private:
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// "Z", "+01:00", "-0530", "+01": the zone's offset east of UTC in seconds.
bool read_offset_seconds(Reader& in, std::int64_t& offset) {
  offset = 0;
  if (in.skip_any_of("Zz")) return true;
  int sign = 0;
  if (in.skip('+')) {
    sign = 1;
  } else if (in.skip('-')) {
    sign = -1;
  } else {
    return false;
  }
  unsigned hours = 0;
  unsigned minutes = 0;
  if (!in.digits(2, hours) || hours > 23) return false;
  if (!in.at_end()) {
    in.skip(':');  // "+01:00" and "+0100" are both common
    if (!in.digits(2, minutes) || minutes > 59) return false;
  }
  offset = sign * static_cast<std::int64_t>(hours * 3600 + minutes * 60);
  return true;
}

// Seconds per unit of a duration suffix; 0 when `c` is not a suffix.
std::int64_t duration_unit_seconds(char c) {
  switch (c) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return kSecondsPerDay;
    default: return 0;
  }
}

void put_digits(char* out, std::int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

UnixMillis now_millis() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<UnixMillis>(now.tv_sec) * kMillisPerSecond + now.tv_nsec / 1000000;
}

std::optional<UnixMillis> parse_iso8601(std::string_view text) {
  Reader in(text);
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  const bool date = in.digits(4, year) && in.skip('-') && in.digits(2, month) && in.skip('-') &&
                    in.digits(2, day);
  if (!date || !(chrono::year(static_cast<int>(year)) / chrono::month(month) / chrono::day(day)).ok()) {
    return std::nullopt;
  }
  const bool time = in.skip_any_of("Tt ") && in.digits(2, hour) && in.skip(':') && in.digits(2, minute) &&
                    in.skip(':') && in.digits(2, second);
  // 60 is a leap second; it reads as the first second of the next minute.
  if (!time || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  if (in.skip('.') && !in.fraction_millis(millis)) return std::nullopt;
  std::int64_t offset = 0;
  if (!read_offset_seconds(in, offset) || !in.at_end()) return std::nullopt;

  const std::int64_t seconds = days_from_civil(static_cast<int>(year), month, day) * kSecondsPerDay + hour * 3600 +
                               minute * 60 + second - offset;
  return seconds * kMillisPerSecond + millis;
}

std::size_t format_rfc3339(UnixMillis t, char* out) {
  // Out-of-range times (beyond what four year digits hold) are clamped so
  // that the output keeps its fixed width.
  if (t < kFirstFormattable) t = kFirstFormattable;
  if (t > kLastFormattable) t = kLastFormattable;
  // floor: -1 ms is 1969-12-31T23:59:59.999Z, not a day later.
  const chrono::sys_time<chrono::milliseconds> at{chrono::milliseconds(t)};
  const chrono::sys_days day = chrono::floor<chrono::days>(at);
  const chrono::year_month_day date(day);
  const chrono::hh_mm_ss<chrono::milliseconds> clock(at - day);

  //            0123456789012345678901234
  char text[] = "0000-00-00T00:00:00.000Z";
  put_digits(text, static_cast<int>(date.year()), 4);
  put_digits(text + 5, static_cast<unsigned>(date.month()), 2);
  put_digits(text + 8, static_cast<unsigned>(date.day()), 2);
  put_digits(text + 11, clock.hours().count(), 2);
  put_digits(text + 14, clock.minutes().count(), 2);
  put_digits(text + 17, clock.seconds().count(), 2);
  put_digits(text + 20, clock.subseconds().count(), 3);
  constexpr std::size_t kLength = sizeof(text) - 1;
  static_assert(kLength == 24);
  for (std::size_t i = 0; i < kLength; ++i) out[i] = text[i];
  out[kLength] = '\0';
  return kLength;
}

std::string format_rfc3339(UnixMillis t) {
  char text[32];
  return std::string(text, format_rfc3339(t, text));
}

std::optional<std::int64_t> parse_duration_seconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t unit = duration_unit_seconds(text.back());
  if (unit == 0) {
    unit = 1;  // plain digits are seconds; anything else fails below
  } else {
    text.remove_suffix(1);
  }
  if (text.empty()) return std::nullopt;
  // Callers turn the result into milliseconds: keep that product in range.
  constexpr std::int64_t kMaxSeconds = std::numeric_limits<std::int64_t>::max() / kMillisPerSecond;
  std::int64_t count = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    count = count * 10 + (c - '0');
    if (count > kMaxSeconds) return std::nullopt;
  }
  if (count > kMaxSeconds / unit) return std::nullopt;
  return count * unit;
}

}  // namespace voxfra
