// A parsed JSON value written back out through JsonWriter: compact, valid
// UTF-8, numbers as the parser read them. Used where a provider's object is
// kept as it came (variables) and where stored records are merged.
#pragma once
#include <simdjson.h>

#include "util/json_writer.h"

namespace voxfra {

// Nesting levels below which a provider's value is kept: far past any real
// payload, and far inside the 1,024 levels our own readers parse.
inline constexpr std::size_t kMaxKeptDepth = 64;
// What stands in for an array or object nested deeper than the bound.
inline constexpr std::string_view kTooDeepMarker = "[nested deeper than 64 levels]";

void write_json_element(JsonWriter& w, simdjson::dom::element value);
// The same, with every array or object more than `max_depth` levels down
// (the value itself is level 1) written as kTooDeepMarker: a record stored
// is always one our reader can parse back.
void write_json_element(JsonWriter& w, simdjson::dom::element value, std::size_t max_depth);

}  // namespace voxfra
