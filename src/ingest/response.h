// The JSON body of every answer (docs/design.md, "The request contract"). C++17, no
// parser headers: the glue includes it.
#pragma once
#include <memory_resource>
#include <string_view>

#include "base/outcome.h"

namespace voxfra {

struct ResponseFields {
  Outcome outcome = Outcome::rejected;
  Reason reason = Reason::none;  // rejected only
  std::string_view request_id;
  std::string_view call_id;       // accepted, duplicate
  std::string_view record_id;     // accepted, duplicate (the stored one)
  std::string_view event;         // ignored: the event that was not a final report
  std::string_view details_json;  // 400, 401: a JSON array of {field, problem}
  unsigned retry_after_seconds = 0;  // 429: as in the Retry-After header
};

// {"status":"accepted","requestId":…,"callId":…,"recordId":…}
// {"status":"rejected","reason":…,"error":…,"requestId":…[,"details":[…]]}
std::string_view write_response(const ResponseFields& fields, std::pmr::memory_resource* mem);

}  // namespace voxfra
