#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "util/json_writer.h"

namespace voxfra {
namespace {

std::string escaped(std::string_view text) {
  std::pmr::string out;
  append_json_escaped(out, text);
  return std::string(out);
}

std::string one_value(void (*write)(JsonWriter&)) {
  std::pmr::string out;
  JsonWriter w(out);
  write(w);
  return std::string(out);
}

std::string number_text(double value) {
  std::pmr::string out;
  JsonWriter(out).number(value);
  return std::string(out);
}

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(JsonEscape, ShortEscapes) {
  EXPECT_EQ(escaped("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(escaped("\b\f\n\r\t"), "\\b\\f\\n\\r\\t");
  EXPECT_EQ(escaped("/"), "/") << "the solidus needs no escape";
}

TEST(JsonEscape, OtherControlCharactersAsUnicodeEscapes) {
  EXPECT_EQ(escaped(std::string_view("\0", 1)), "\\u0000");
  EXPECT_EQ(escaped("\x01"), "\\u0001");
  EXPECT_EQ(escaped("\x0b"), "\\u000b");
  EXPECT_EQ(escaped("\x1f"), "\\u001f");
  EXPECT_EQ(escaped("\x7f"), "\x7f") << "DEL is allowed as is";
  EXPECT_EQ(escaped(" ~"), " ~");
}

// Valid raw in JSON, but line ends to JavaScript and some line readers: a
// JSON line must not be split by them.
TEST(JsonEscape, LineAndParagraphSeparatorsAreEscaped) {
  EXPECT_EQ(escaped("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c"), "a\\u2028b\\u2029c");
  EXPECT_EQ(escaped(std::string(40, 'x') + "\xE2\x80\xA8"), std::string(40, 'x') + "\\u2028");
  EXPECT_EQ(escaped("\xE2\x80\xA7\xE2\x80\xAA"), "\xE2\x80\xA7\xE2\x80\xAA") << "U+2027, U+202A as they are";
  std::string scratch;
  const std::string stored = "{\"t\":\"a\xE2\x80\xA8" "b\xE2\x80\xA9\"}";
  EXPECT_EQ(with_line_separators_escaped(stored, scratch), "{\"t\":\"a\\u2028b\\u2029\"}");
  const std::string plain = "{\"t\":\"caf\xC3\xA9 \xE2\x80\x94\"}";
  EXPECT_EQ(with_line_separators_escaped(plain, scratch).data(), plain.data()) << "nothing to escape: no copy";
}

TEST(JsonEscape, ValidUtf8PassesThrough) {
  const std::string text = "Gr\xC3\xBC\xC3\x9F" "e \xE2\x82\xAC \xE4\xB8\xAD \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xBF\xBF";
  EXPECT_EQ(escaped(text), text);
  EXPECT_EQ(escaped("\xC2\x80"), "\xC2\x80") << "U+0080, the smallest two-byte";
  EXPECT_EQ(escaped("\xE0\xA0\x80"), "\xE0\xA0\x80") << "U+0800, the smallest three-byte";
  EXPECT_EQ(escaped("\xED\x9F\xBF"), "\xED\x9F\xBF") << "U+D7FF, just below the surrogates";
  EXPECT_EQ(escaped("\xF0\x90\x80\x80"), "\xF0\x90\x80\x80") << "U+10000, the smallest four-byte";
}

TEST(JsonEscape, InvalidUtf8BecomesReplacementCharacters) {
  const std::string r = kReplacement;
  EXPECT_EQ(escaped("a\x80z"), "a" + r + "z") << "lone continuation byte";
  EXPECT_EQ(escaped("\xC0\xAF"), r + r) << "overlong '/' (C0 is never valid)";
  EXPECT_EQ(escaped("\xC1\xBF"), r + r) << "overlong (C1 is never valid)";
  EXPECT_EQ(escaped("\xE0\x80\xAF"), r + r + r) << "overlong three-byte";
  EXPECT_EQ(escaped("\xF0\x80\x80\xAF"), r + r + r + r) << "overlong four-byte";
  EXPECT_EQ(escaped("\xED\xA0\x80"), r + r + r) << "surrogate D800";
  EXPECT_EQ(escaped("\xED\xBF\xBF"), r + r + r) << "surrogate DFFF";
  EXPECT_EQ(escaped("\xF4\x90\x80\x80"), r + r + r + r) << "U+110000";
  EXPECT_EQ(escaped("\xF5\x80\x80\x80"), r + r + r + r) << "F5 is never valid";
  EXPECT_EQ(escaped("\xFF"), r);
  // A truncated sequence is one maximal ill-formed subpart: one U+FFFD.
  EXPECT_EQ(escaped("ab\xE2\x82"), "ab" + r) << "truncated at the end";
  EXPECT_EQ(escaped("\xE2\x82z"), r + "z") << "truncated before ASCII";
  EXPECT_EQ(escaped("\xF0\x9F\x98"), r);
  EXPECT_EQ(escaped("\xF0\x9F\x98\"") , r + "\\\"") << "the interrupting byte is still escaped";
  EXPECT_EQ(escaped("\xC3"), r);
}

TEST(JsonEscape, LongRunsAreCopiedWhole) {
  std::string text(10000, 'x');
  text[5000] = '\n';
  std::string expected(5000, 'x');
  expected += "\\n";
  expected += std::string(4999, 'x');
  EXPECT_EQ(escaped(text), expected);
}

// The word-at-a-time scan must stop at every byte that is not plain, at any
// offset within or across the 8-byte words it reads.
TEST(JsonEscape, EveryByteAtEveryOffsetOfAPlainRun) {
  auto expected_for = [](unsigned char b) -> std::string {
    switch (b) {
      case '"': return "\\\"";
      case '\\': return "\\\\";
      case '\b': return "\\b";
      case '\f': return "\\f";
      case '\n': return "\\n";
      case '\r': return "\\r";
      case '\t': return "\\t";
      default: break;
    }
    if (b < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      return std::string("\\u00") + kHex[b >> 4] + kHex[b & 0xF];
    }
    if (b >= 0x80) return "\xEF\xBF\xBD";  // a lone byte of a UTF-8 sequence
    return std::string(1, static_cast<char>(b));
  };
  for (int b = 0; b < 256; ++b) {
    for (std::size_t at = 0; at < 24; ++at) {
      std::string text(24, 'a');
      text[at] = static_cast<char>(b);
      const std::string want = std::string(at, 'a') + expected_for(static_cast<unsigned char>(b)) +
                               std::string(23 - at, 'a');
      ASSERT_EQ(escaped(text), want) << "byte " << b << " at " << at;
    }
  }
}

// Two bytes of interest in one word: the scan jumps to the lowest flagged
// byte, and the bit tricks it uses may also flag a plain byte just above a
// special one ('#' after '"', ']' after '\\', 0x21 after a control byte).
// Each must still come out as itself.
TEST(JsonEscape, TwoBytesOfInterestInOneWord) {
  const std::string specials = std::string("\"\\\n\x01\x1f\xff", 6);
  const std::string neighbours = specials + "#]!a ~\x7f";
  auto one = [](char c) {
    switch (c) {
      case '"': return std::string("\\\"");
      case '\\': return std::string("\\\\");
      case '\n': return std::string("\\n");
      case '\x01': return std::string("\\u0001");
      case '\x1f': return std::string("\\u001f");
      case '\xff': return std::string("\xEF\xBF\xBD");
      default: return std::string(1, c);
    }
  };
  for (char first : specials) {
    for (char second : neighbours) {
      for (std::size_t i = 0; i < 16; ++i) {
        for (std::size_t j = i + 1; j < 17; ++j) {
          std::string text(17, 'a');
          text[i] = first;
          text[j] = second;
          std::string want;
          for (char c : text) want += one(c);
          ASSERT_EQ(escaped(text), want) << "bytes " << int(first) << " at " << i << ", " << int(second) << " at " << j;
        }
      }
    }
  }
}

TEST(JsonEscape, AppendsToWhatIsThere) {
  std::pmr::string out = "prefix:";
  append_json_escaped(out, "\"");
  EXPECT_EQ(out, "prefix:\\\"");
}

TEST(JsonNumber, ShortestRoundTrip) {
  EXPECT_EQ(number_text(0.1), "0.1");
  EXPECT_EQ(number_text(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(number_text(0.1342), "0.1342");
  EXPECT_EQ(number_text(115.368), "115.368");
  EXPECT_EQ(number_text(-2.5), "-2.5");
  EXPECT_EQ(number_text(1e300), "1e+300");
  EXPECT_EQ(number_text(5e-324), "5e-324");
  EXPECT_EQ(number_text(123456789.125), "123456789.125");
}

TEST(JsonNumber, WholeNumbersPrintAsIntegers) {
  EXPECT_EQ(number_text(1.0), "1");
  EXPECT_EQ(number_text(0.0), "0");
  EXPECT_EQ(number_text(-0.0), "0");
  EXPECT_EQ(number_text(-42.0), "-42");
  EXPECT_EQ(number_text(1e15), "1000000000000000") << "to_chars alone gives 1e+15";
  EXPECT_EQ(number_text(9007199254740992.0), "9007199254740992");
  EXPECT_EQ(number_text(-9007199254740992.0), "-9007199254740992");
  EXPECT_EQ(number_text(1e17), "1e+17") << "beyond 2^53: shortest form";
}

// Found by tests/fuzz/fuzz_json_writer: beyond 2^53 the shortest form can be
// all digits ("24693450488403722240"), which simdjson refuses above 2^64.
TEST(JsonNumber, BeyondExactIntegersAlwaysHaveAnExponent) {
  EXPECT_EQ(number_text(2.4693450488403722e19), "2.4693450488403722e+19");
  EXPECT_EQ(number_text(-1.2345678901234567e20), "-1.2345678901234567e+20");
  EXPECT_EQ(number_text(9007199254740994.0), "9.007199254740994e+15");
  for (double value : {2.4693450488403722e19, 1.2345678901234567e20, 1.8446744073709552e19, 9.2233720368547758e18,
                       9007199254740994.0, -9007199254740994.0}) {
    std::string text = number_text(value);
    simdjson::dom::parser parser;
    double read = 0;
    ASSERT_EQ(parser.parse(text).get_double().get(read), simdjson::SUCCESS) << text;
    EXPECT_EQ(read, value) << text;
  }
}

TEST(JsonNumber, NotFiniteIsNull) {
  EXPECT_EQ(number_text(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(number_text(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(number_text(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonNumber, Integers) {
  EXPECT_EQ(one_value([](JsonWriter& w) { w.integer(0); }), "0");
  EXPECT_EQ(one_value([](JsonWriter& w) { w.integer(INT64_MIN); }), "-9223372036854775808");
  EXPECT_EQ(one_value([](JsonWriter& w) { w.integer(INT64_MAX); }), "9223372036854775807");
}

TEST(JsonWriterTest, CommasAndNesting) {
  std::pmr::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("a", "x")
      .key("b").integer(1)
      .key("c").begin_array().integer(1).string("two").begin_object().end_object().begin_array().end_array()
      .null().boolean(true).boolean(false).end_array()
      .key("d").begin_object().key("e").begin_object().field("f", "g").end_object().key("h").raw("[1,2]")
      .end_object()
      .key("i").number(0.5)
      .end_object();
  EXPECT_EQ(out, R"({"a":"x","b":1,"c":[1,"two",{},[],null,true,false],"d":{"e":{"f":"g"},"h":[1,2]},"i":0.5})");
}

TEST(JsonWriterTest, EmptyContainersAndTopLevelValues) {
  EXPECT_EQ(one_value([](JsonWriter& w) { w.begin_object().end_object(); }), "{}");
  EXPECT_EQ(one_value([](JsonWriter& w) { w.begin_array().end_array(); }), "[]");
  EXPECT_EQ(one_value([](JsonWriter& w) { w.string("a\tb"); }), "\"a\\tb\"");
  EXPECT_EQ(one_value([](JsonWriter& w) { w.begin_array().begin_array().end_array().begin_array().end_array().end_array(); }),
            "[[],[]]");
}

TEST(JsonWriterTest, KeysAreEscapedToo) {
  EXPECT_EQ(one_value([](JsonWriter& w) { w.begin_object().field("say \"hi\"\n", "\x80").end_object(); }),
            "{\"say \\\"hi\\\"\\n\":\"" + kReplacement + "\"}");
}

TEST(JsonWriterTest, OutputParsesBackToTheSameValues) {
  const std::string tricky = std::string("quote \" backslash \\ slash / nul ") + '\0' +
                             " ctl \x01\x1f del \x7f tab\tnl\n cr\r bs\b ff\f "
                             "\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\x89 \xF4\x8F\xBF\xBF end";
  std::pmr::string out;
  JsonWriter w(out);
  w.begin_object()
      .field(tricky, tricky)
      .key("numbers").begin_array().number(0.1).number(-1e-7).number(1e300).number(123.0).integer(INT64_MIN).end_array()
      .key("bad").string("a\xFF" "b\xED\xA0\x80" "c")
      .end_object();

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(out.data(), out.size()).get(root), simdjson::SUCCESS) << out;
  std::string_view text;
  ASSERT_EQ(root[tricky].get_string().get(text), simdjson::SUCCESS);
  EXPECT_EQ(text, tricky);
  simdjson::dom::array numbers;
  ASSERT_EQ(root["numbers"].get_array().get(numbers), simdjson::SUCCESS);
  const double expected[] = {0.1, -1e-7, 1e300, 123.0};
  for (std::size_t i = 0; i < 4; ++i) {
    double value = 0;
    ASSERT_EQ(numbers.at(i).get_double().get(value), simdjson::SUCCESS);
    EXPECT_EQ(value, expected[i]) << i;
  }
  std::int64_t smallest = 0;
  ASSERT_EQ(numbers.at(4).get_int64().get(smallest), simdjson::SUCCESS);
  EXPECT_EQ(smallest, INT64_MIN);
  ASSERT_EQ(root["bad"].get_string().get(text), simdjson::SUCCESS);
  EXPECT_EQ(text, "a" + kReplacement + "b" + kReplacement + kReplacement + kReplacement + "c");
}

TEST(JsonWriterTest, AnyBytesMakeAValidJsonString) {
  // The writer's promise: whatever a provider sends, the stored record parses.
  std::mt19937 random(8259);
  std::uniform_int_distribution<int> any_byte(0, 255);
  simdjson::dom::parser parser;
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(static_cast<std::size_t>(round % 64), '\0');
    for (char& c : bytes) c = static_cast<char>(any_byte(random));
    std::pmr::string out;
    JsonWriter(out).string(bytes);
    simdjson::dom::element value;
    ASSERT_EQ(parser.parse(out.data(), out.size()).get(value), simdjson::SUCCESS) << "round " << round;
    ASSERT_TRUE(value.is_string());
  }
}

}  // namespace
}  // namespace voxfra
