// A small streaming JSON writer: appends to a string, escapes per RFC 8259,
// and never produces invalid UTF-8 (bad sequences become U+FFFD), so that a
// stored record always parses back. Commas are placed by the writer.
#pragma once
#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>

#include "util/time.h"

namespace voxfra {

class JsonWriter {
 public:
  explicit JsonWriter(std::pmr::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view value);
  JsonWriter& integer(std::int64_t value);
  // Finite numbers in the shortest form that reads back the same; NaN and
  // infinities (not JSON) are written as null.
  JsonWriter& number(double value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  // Text the caller guarantees is one valid JSON value.
  JsonWriter& raw(std::string_view json);

  // key + value shorthands
  JsonWriter& field(std::string_view name, std::string_view value) { return key(name).string(value); }

  std::pmr::string& out() { return out_; }

 private:
  void before_value();
  std::pmr::string& out_;
  bool first_ = true;       // no comma before the next member/element
  bool after_key_ = false;  // the next value completes a member
};

// A time member: RFC 3339, or null when 0 (never).
void write_time_or_null(JsonWriter& w, std::string_view name, UnixMillis t);

// Appends `value` escaped (without quotes) to `out`: '"', '\\' and control
// characters, and U+2028/U+2029 as \u2028/\u2029 (line ends to some JSON
// line readers); invalid UTF-8 becomes U+FFFD.
void append_json_escaped(std::pmr::string& out, std::string_view value);

// `json` with any raw U+2028/U+2029 written as \u2028/\u2029 (for records
// stored before the writer escaped them): `json` itself when it has none,
// else a view of `scratch`. Inside a JSON text they can only be in strings.
std::string_view with_line_separators_escaped(std::string_view json, std::string& scratch);

}  // namespace voxfra
