#include "record/json_element.h"

#include <charconv>
#include <cstdint>

namespace voxfra {

namespace dom = simdjson::dom;

namespace {

void write_value(JsonWriter& w, dom::element value, std::size_t depth_left);

void write_array(JsonWriter& w, dom::array array, std::size_t depth_left) {
  w.begin_array();
  for (dom::element item : array) write_value(w, item, depth_left);
  w.end_array();
}

void write_object(JsonWriter& w, dom::object object, std::size_t depth_left) {
  w.begin_object();
  for (dom::key_value_pair member : object) {
    w.key(member.key);
    write_value(w, member.value, depth_left);
  }
  w.end_object();
}

void write_uint64(JsonWriter& w, std::uint64_t number) {
  // Above INT64_MAX: JsonWriter::integer takes int64, so write the digits.
  char text[24];
  const auto [end, error] = std::to_chars(text, text + sizeof(text), number);
  (void)error;  // 24 characters hold any uint64
  w.raw({text, static_cast<std::size_t>(end - text)});
}

// The parser has checked the element's type, so the value_unsafe() reads
// below cannot fail. `depth_left` counts the levels an array or object may
// still open.
void write_value(JsonWriter& w, dom::element value, std::size_t depth_left) {
  switch (value.type()) {
    case dom::element_type::ARRAY:
    case dom::element_type::OBJECT:
      if (depth_left == 0) {
        w.string(kTooDeepMarker);
      } else if (value.type() == dom::element_type::ARRAY) {
        write_array(w, value.get_array().value_unsafe(), depth_left - 1);
      } else {
        write_object(w, value.get_object().value_unsafe(), depth_left - 1);
      }
      return;
    case dom::element_type::INT64: w.integer(value.get_int64().value_unsafe()); return;
    case dom::element_type::UINT64: write_uint64(w, value.get_uint64().value_unsafe()); return;
    case dom::element_type::DOUBLE: w.number(value.get_double().value_unsafe()); return;
    case dom::element_type::STRING: w.string(value.get_string().value_unsafe()); return;
    case dom::element_type::BOOL: w.boolean(value.get_bool().value_unsafe()); return;
    case dom::element_type::NULL_VALUE: w.null(); return;
  }
}

}  // namespace

void write_json_element(JsonWriter& w, dom::element value) { write_value(w, value, SIZE_MAX); }

void write_json_element(JsonWriter& w, dom::element value, std::size_t max_depth) {
  write_value(w, value, max_depth);
}

}  // namespace voxfra
