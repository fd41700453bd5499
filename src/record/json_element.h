// A parsed JSON value written back out through JsonWriter: compact, valid
// UTF-8, numbers as the parser read them. Used where a provider's object is
// kept as it came (variables) and where stored records are merged.
#pragma once
#include <simdjson.h>

#include "record/json_writer.h"

namespace voxfra {

void write_json_element(JsonWriter& w, simdjson::dom::element value);

}  // namespace voxfra
