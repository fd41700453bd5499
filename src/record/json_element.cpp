#include "record/json_element.h"

#include <charconv>

namespace voxfra {

namespace dom = simdjson::dom;

namespace {

void write_array(JsonWriter& w, dom::array array) {
  w.begin_array();
  for (dom::element item : array) write_json_element(w, item);
  w.end_array();
}

void write_object(JsonWriter& w, dom::object object) {
  w.begin_object();
  for (dom::key_value_pair member : object) {
    w.key(member.key);
    write_json_element(w, member.value);
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

}  // namespace

// The parser has checked the element's type, so the value_unsafe() reads
// below cannot fail.
void write_json_element(JsonWriter& w, dom::element value) {
  switch (value.type()) {
    case dom::element_type::ARRAY: write_array(w, value.get_array().value_unsafe()); return;
    case dom::element_type::OBJECT: write_object(w, value.get_object().value_unsafe()); return;
    case dom::element_type::INT64: w.integer(value.get_int64().value_unsafe()); return;
    case dom::element_type::UINT64: write_uint64(w, value.get_uint64().value_unsafe()); return;
    case dom::element_type::DOUBLE: w.number(value.get_double().value_unsafe()); return;
    case dom::element_type::STRING: w.string(value.get_string().value_unsafe()); return;
    case dom::element_type::BOOL: w.boolean(value.get_bool().value_unsafe()); return;
    case dom::element_type::NULL_VALUE: w.null(); return;
  }
}

}  // namespace voxfra
