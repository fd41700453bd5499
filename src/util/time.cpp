#include "util/time.h"

#include <time.h>

#include <cstddef>
#include <limits>

namespace voxfra {

namespace {

constexpr std::int64_t kMillisPerSecond = 1000;
constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::int64_t kMillisPerDay = kSecondsPerDay * kMillisPerSecond;

// Howard Hinnant's days_from_civil / civil_from_days: proleptic Gregorian
// calendar, day 0 is 1970-01-01, exact for every year here. Used instead of
// timegm/gmtime so that neither the C library's locale nor TZ takes part.
constexpr std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);               // [0, 399]
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;  // [0, 365]
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

constexpr CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);  // [0, 146096]
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // [0, 399]
  const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned shifted_month = (5 * day_of_year + 2) / 153;  // March is 0
  const unsigned day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  const unsigned month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  const std::int64_t year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).day == 31);

constexpr bool is_leap_year(std::int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

constexpr unsigned days_in_month(std::int64_t year, unsigned month) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

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
  if (!date || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  const bool time = in.skip_any_of("Tt ") && in.digits(2, hour) && in.skip(':') && in.digits(2, minute) &&
                    in.skip(':') && in.digits(2, second);
  // 60 is a leap second; it reads as the first second of the next minute.
  if (!time || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  if (in.skip('.') && !in.fraction_millis(millis)) return std::nullopt;
  std::int64_t offset = 0;
  if (!read_offset_seconds(in, offset) || !in.at_end()) return std::nullopt;

  const std::int64_t seconds = days_from_civil(year, month, day) * kSecondsPerDay + hour * 3600 +
                               minute * 60 + second - offset;
  return seconds * kMillisPerSecond + millis;
}

std::size_t format_rfc3339(UnixMillis t, char* out) {
  // Out-of-range times (beyond what four year digits hold) are clamped so
  // that the output keeps its fixed width.
  if (t < kFirstFormattable) t = kFirstFormattable;
  if (t > kLastFormattable) t = kLastFormattable;
  // Floor division: -1 ms is 1969-12-31T23:59:59.999Z, not a day later.
  std::int64_t days = t / kMillisPerDay;
  std::int64_t millis_of_day = t % kMillisPerDay;
  if (millis_of_day < 0) {
    millis_of_day += kMillisPerDay;
    --days;
  }
  const CivilDate date = civil_from_days(days);
  const std::int64_t seconds_of_day = millis_of_day / kMillisPerSecond;

  //            0123456789012345678901234
  char text[] = "0000-00-00T00:00:00.000Z";
  put_digits(text, date.year, 4);
  put_digits(text + 5, date.month, 2);
  put_digits(text + 8, date.day, 2);
  put_digits(text + 11, seconds_of_day / 3600, 2);
  put_digits(text + 14, seconds_of_day / 60 % 60, 2);
  put_digits(text + 17, seconds_of_day % 60, 2);
  put_digits(text + 20, millis_of_day % kMillisPerSecond, 3);
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
