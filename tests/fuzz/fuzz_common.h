// What the fuzz targets share: a check that aborts (libFuzzer reports an
// abort as a crash and saves the input), a reader that splits an input into
// fields, request headers over plain strings, and a JSON comparison that
// holds the writer to "what it writes parses back to what went in".
#pragma once
#include <simdjson.h>
#include <strings.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/header_lookup.h"
#include "base/provider.h"

// An invariant of the code under test: on failure, say which and abort.
#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s\n  at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

namespace voxfra::fuzz {

// A fixed clock: inputs must replay the same way on any day.
inline constexpr std::int64_t kNowMillis = 1'732'356'000'000;  // 2024-11-23T10:00:00Z

// Takes fields off the front of the input; past the end, numbers are 0 and
// texts are empty, so that every input is a valid program.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  bool empty() const { return rest_.empty(); }
  std::string_view rest() const { return rest_; }

  std::uint8_t u8() {
    if (rest_.empty()) return 0;
    auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(u8()) << (8 * i);
    return v;
  }
  std::string_view bytes(std::size_t n) {
    n = std::min(n, rest_.size());
    std::string_view head = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return head;
  }
  // A text of up to 65535 bytes, its length in front (cut at the end).
  std::string_view text() { return bytes(u16()); }
  // Up to `delimiter` (dropped), or the rest.
  std::string_view until(char delimiter) {
    std::size_t at = rest_.find(delimiter);
    std::string_view head = rest_.substr(0, at);
    rest_.remove_prefix(at == std::string_view::npos ? rest_.size() : at + 1);
    return head;
  }

 private:
  std::string_view rest_;
};

// Request headers parsed from "Name: value" lines, looked up as NGINX does:
// case-insensitively, the first of several wins.
class Headers final : public HeaderLookup {
 public:
  void add(std::string_view name, std::string_view value) { list_.emplace_back(name, value); }
  bool empty() const { return list_.empty(); }

  // Lines up to the first empty one; returns what follows (the body).
  std::string_view parse(std::string_view text) {
    while (!text.empty()) {
      std::size_t eol = text.find('\n');
      std::string_view line = text.substr(0, eol);
      text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) break;
      std::size_t colon = line.find(':');
      std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      add(line.substr(0, colon), value);
    }
    return text;
  }

  std::string_view get(std::string_view name) const override {
    for (const auto& [key, value] : list_) {
      if (key.size() == name.size() && strncasecmp(key.data(), name.data(), key.size()) == 0) return value;
    }
    return {};
  }

 private:
  std::vector<std::pair<std::string_view, std::string_view>> list_;
};

// Every provider of the table (base/provider.h), so that a new one is
// fuzzed without editing the targets.
inline std::vector<Provider> all_providers() { return {kAllProviders.begin(), kAllProviders.end()}; }

// `text` copied with simdjson's padding after it, as the parser needs.
inline simdjson::padded_string padded(std::string_view text) { return simdjson::padded_string(text); }

// Parses `text` (which must be valid JSON) or aborts, printing it.
inline simdjson::dom::element must_parse(simdjson::dom::parser& parser, const simdjson::padded_string& text) {
  simdjson::dom::element root;
  auto error = parser.parse(text).get(root);
  if (error) {
    std::fprintf(stderr, "output does not parse (%s): %.*s\n", simdjson::error_message(error),
                 static_cast<int>(std::min<std::size_t>(text.size(), 4096)), text.data());
  }
  FUZZ_CHECK(!error);
  return root;
}

// Numbers compare by value whatever form they were written in: the writer
// prints an integral double as an integer.
inline bool json_number(simdjson::dom::element e, double& out) {
  switch (e.type()) {
    case simdjson::dom::element_type::INT64: out = static_cast<double>(e.get_int64().value_unsafe()); return true;
    case simdjson::dom::element_type::UINT64: out = static_cast<double>(e.get_uint64().value_unsafe()); return true;
    case simdjson::dom::element_type::DOUBLE: out = e.get_double().value_unsafe(); return true;
    default: return false;
  }
}

struct ExactText {
  bool operator()(std::string_view sent, std::string_view read) const { return sent == read; }
};

// Deep equality of two parsed values: members in order, numbers by value
// (integers exactly), strings and keys by `text_equal(a's, b's)`.
template <class TextEqual = ExactText>
bool json_equal(simdjson::dom::element a, simdjson::dom::element b, TextEqual text_equal = {}) {
  using simdjson::dom::element_type;
  double x = 0, y = 0;
  if (json_number(a, x) && json_number(b, y)) {
    if (a.type() == b.type() && a.type() == element_type::INT64) return a.get_int64().value_unsafe() == b.get_int64().value_unsafe();
    if (a.type() == b.type() && a.type() == element_type::UINT64) return a.get_uint64().value_unsafe() == b.get_uint64().value_unsafe();
    return x == y;
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case element_type::STRING: return text_equal(a.get_string().value_unsafe(), b.get_string().value_unsafe());
    case element_type::BOOL: return a.get_bool().value_unsafe() == b.get_bool().value_unsafe();
    case element_type::NULL_VALUE: return true;
    case element_type::ARRAY: {
      simdjson::dom::array l = a.get_array().value_unsafe(), r = b.get_array().value_unsafe();
      auto i = l.begin(), j = r.begin();
      for (; i != l.end() && j != r.end(); ++i, ++j) {
        if (!json_equal(*i, *j, text_equal)) return false;
      }
      return i == l.end() && j == r.end();
    }
    case element_type::OBJECT: {
      simdjson::dom::object l = a.get_object().value_unsafe(), r = b.get_object().value_unsafe();
      auto i = l.begin(), j = r.begin();
      for (; i != l.end() && j != r.end(); ++i, ++j) {
        if (!text_equal(i.key(), j.key()) || !json_equal(i.value(), j.value(), text_equal)) return false;
      }
      return i == l.end() && j == r.end();
    }
    default: return false;
  }
}

// Reads every byte of `text` so that ASan checks the view is still alive.
inline std::size_t touch(std::string_view text) {
  std::size_t sum = 0;
  for (char c : text) sum += static_cast<unsigned char>(c);
  return sum;
}

}  // namespace voxfra::fuzz
