#include "util/json_writer.h"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace voxfra {

namespace {

// What a byte needs when it stands in a JSON string.
enum class ByteClass : std::uint8_t {
  plain,     // printable ASCII: copied as is
  escape,    // '"', '\\' and control characters
  multibyte  // 0x80 and above: the start of a UTF-8 sequence (to validate)
};

constexpr std::array<ByteClass, 256> make_byte_classes() {
  std::array<ByteClass, 256> classes{};
  for (int b = 0; b < 256; ++b) {
    if (b < 0x20 || b == '"' || b == '\\') {
      classes[b] = ByteClass::escape;
    } else if (b >= 0x80) {
      classes[b] = ByteClass::multibyte;
    } else {
      classes[b] = ByteClass::plain;  // 0x7F (DEL) is allowed raw by RFC 8259
    }
  }
  return classes;
}

constexpr std::array<ByteClass, 256> kByteClasses = make_byte_classes();

// The bytes among the eight at `p` that are not plain (a control byte, '"',
// '\\', or 0x80 and above), as a mask with the high bit of each such byte
// set; 0 when all eight are plain. The tests of "Bit Twiddling Hacks"
// (haszero, hasless) may also flag a byte above a flagged one, never below:
// the lowest flag is always a byte that needs attention.
std::uint64_t special_bytes(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  auto has_zero = [](std::uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  const std::uint64_t control = (w - kOnes * 0x20) & ~w & kHighs;  // a byte below 0x20
  const std::uint64_t high = w & kHighs;                            // a byte of 0x80 or above
  return control | high | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'));
}

// The position of the first byte at or after `pos` that is not plain, or
// `text.size()`. Transcripts are mostly plain ASCII with a newline every
// line: sixteen (SSE2) or eight bytes at a time, then straight to the
// flagged byte (a byte at a time was the largest cost of storing an 8 KB
// report).
std::size_t next_special(std::string_view text, std::size_t pos) {
#if defined(__SSE2__)
  // Sixteen bytes at a time where SSE2 is there (every x86-64): a signed
  // "less than 0x20" holds for control bytes and, the bytes being negative
  // as signed, for every byte of 0x80 and above, exactly the bytes wanted.
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (; pos + 16 <= text.size(); pos += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + pos));
    const __m128i special = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                         _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    if (const int mask = _mm_movemask_epi8(special)) {
      return pos + static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(mask)));
    }
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    for (; pos + sizeof(std::uint64_t) <= text.size(); pos += sizeof(std::uint64_t)) {
      if (std::uint64_t special = special_bytes(text.data() + pos)) {
        return pos + static_cast<std::size_t>(std::countr_zero(special)) / 8;
      }
    }
  }
  while (pos < text.size() && kByteClasses[static_cast<unsigned char>(text[pos])] == ByteClass::plain) ++pos;
  return pos;
}

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence at `text[pos]` (Unicode
// Table 3-7), or 0 when it is not one. `*bad_length` then receives the length
// of the maximal ill-formed subpart to replace by one U+FFFD (at least 1), as
// the Unicode standard recommends.
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos, std::size_t* bad_length) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  std::size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;  // no overlong forms
    if (lead == 0xED) second_max = 0x9F;  // no surrogates D800-DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;  // no overlong forms
    if (lead == 0xF4) second_max = 0x8F;  // nothing above U+10FFFF
  } else {
    *bad_length = 1;  // a continuation byte, C0, C1 or F5..FF
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char min = i == 1 ? second_min : 0x80;
    const unsigned char max = i == 1 ? second_max : 0xBF;
    if (pos + i >= text.size()) {
      *bad_length = i;  // truncated at the end of the text
      return 0;
    }
    const auto byte = static_cast<unsigned char>(text[pos + i]);
    if (byte < min || byte > max) {
      *bad_length = i;
      return 0;
    }
  }
  return length;
}

// U+2028 and U+2029 (E2 80 A8, E2 80 A9): valid raw in JSON, but line ends
// to JavaScript and to some line readers, which would split a JSON line.
bool is_line_separator(std::string_view text, std::size_t pos, std::size_t length) {
  return length == 3 && text[pos] == '\xE2' && text[pos + 1] == '\x80' &&
         (text[pos + 2] == '\xA8' || text[pos + 2] == '\xA9');
}

void append_escape(std::pmr::string& out, unsigned char byte) {
  switch (byte) {
    case '"': out.append("\\\""); return;
    case '\\': out.append("\\\\"); return;
    case '\b': out.append("\\b"); return;
    case '\f': out.append("\\f"); return;
    case '\n': out.append("\\n"); return;
    case '\r': out.append("\\r"); return;
    case '\t': out.append("\\t"); return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char unicode_escape[] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xF]};
      out.append(unicode_escape, sizeof(unicode_escape));
      return;
    }
  }
}

template <typename Number, typename... Format>
void append_number(std::pmr::string& out, Number value, Format... format) {
  char text[32];
  const auto [end, error] = std::to_chars(text, text + sizeof(text), value, format...);
  (void)error;  // 32 characters hold any int64 and any shortest double
  out.append(text, static_cast<std::size_t>(end - text));
}

}  // namespace

void append_json_escaped(std::pmr::string& out, std::string_view value) {
  // Valid text is copied in runs; only a byte that needs an escape or a
  // replacement interrupts a run.
  std::size_t run_start = 0;
  std::size_t pos = 0;
  while ((pos = next_special(value, pos)) < value.size()) {
    const auto byte = static_cast<unsigned char>(value[pos]);
    const ByteClass byte_class = kByteClasses[byte];
    std::size_t skip = 1;
    if (byte_class == ByteClass::multibyte) {
      std::size_t length = utf8_sequence_length(value, pos, &skip);
      if (length != 0 && !is_line_separator(value, pos, length)) {
        pos += length;
        continue;
      }
      if (length != 0) {
        out.append(value.data() + run_start, pos - run_start);
        out.append(value[pos + 2] == '\xA8' ? "\\u2028" : "\\u2029");
        pos += length;
        run_start = pos;
        continue;
      }
    }
    out.append(value.data() + run_start, pos - run_start);
    if (byte_class == ByteClass::escape) {
      append_escape(out, byte);
    } else {
      out.append(kReplacementCharacter);
    }
    pos += skip;
    run_start = pos;
  }
  out.append(value.data() + run_start, pos - run_start);
}

std::string_view with_line_separators_escaped(std::string_view json, std::string& scratch) {
  bool found = false;
  std::size_t run_start = 0;
  for (std::size_t at = json.find("\xE2\x80"); at != std::string_view::npos; at = json.find("\xE2\x80", at + 1)) {
    if (at + 3 > json.size() || !is_line_separator(json, at, 3)) continue;
    if (!found) scratch.clear();
    found = true;
    scratch.append(json, run_start, at - run_start).append(json[at + 2] == '\xA8' ? "\\u2028" : "\\u2029");
    run_start = at + 3;
  }
  if (!found) return json;
  scratch.append(json, run_start);
  return scratch;
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;  // the key wrote the separator already
    return;
  }
  if (!first_) out_.push_back(',');
  first_ = false;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_.push_back('{');
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_.push_back('[');
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  first_ = false;
  return *this;
}

// Member names and short values are mostly plain: such a one, with its
// separator and quotes, is copied in one append (a Vapi record has hundreds
// of them, and four appends each were a quarter of writing it).
constexpr std::size_t kShortPlain = 64;

JsonWriter& JsonWriter::key(std::string_view name) {
  const bool comma = !first_ && !after_key_;
  if (name.size() <= kShortPlain && next_special(name, 0) == name.size()) {
    char text[kShortPlain + 4];
    std::size_t n = 0;
    if (comma) text[n++] = ',';
    text[n++] = '"';
    std::memcpy(text + n, name.data(), name.size());
    n += name.size();
    text[n++] = '"';
    text[n++] = ':';
    out_.append(text, n);
    first_ = false;
    after_key_ = true;
    return *this;
  }
  before_value();
  out_.push_back('"');
  append_json_escaped(out_, name);
  out_.append("\":");
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view value) {
  before_value();
  if (value.size() <= kShortPlain && next_special(value, 0) == value.size()) {
    char text[kShortPlain + 2];
    text[0] = '"';
    std::memcpy(text + 1, value.data(), value.size());
    text[value.size() + 1] = '"';
    out_.append(text, value.size() + 2);
    return *this;
  }
  out_.push_back('"');
  append_json_escaped(out_, value);
  out_.push_back('"');
  return *this;
}

JsonWriter& JsonWriter::integer(std::int64_t value) {
  before_value();
  append_number(out_, value);
  return *this;
}

JsonWriter& JsonWriter::number(double value) {
  if (!std::isfinite(value)) return null();
  // Whole numbers that a double holds exactly print as integers: the
  // shortest form would write 1000000000000000 as "1e+15".
  constexpr double kLargestExactInteger = 9007199254740992.0;  // 2^53
  if (std::trunc(value) == value && std::fabs(value) <= kLargestExactInteger) {
    return integer(static_cast<std::int64_t>(value));
  }
  before_value();
  if (std::fabs(value) > kLargestExactInteger) {
    // Always with an exponent: the shortest form of 2.4693450488403722e19
    // is the 20 digits "24693450488403722240", an integer to a reader, and
    // one above 2^64 that simdjson (and so the CLI) refuses to parse.
    append_number(out_, value, std::chars_format::scientific);
  } else {
    append_number(out_, value);
  }
  return *this;
}

JsonWriter& JsonWriter::boolean(bool value) {
  before_value();
  out_.append(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_.append("null");
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  out_.append(json);
  return *this;
}

void write_time_or_null(JsonWriter& w, std::string_view name, UnixMillis t) {
  w.key(name);
  if (t == 0) {
    w.null();
  } else {
    char text[32];
    w.string({text, format_rfc3339(t, text)});
  }
}

}  // namespace voxfra
