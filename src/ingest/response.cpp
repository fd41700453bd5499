#include "ingest/response.h"

#include "util/json_writer.h"

namespace voxfra {

std::string_view write_response(const ResponseFields& f, std::pmr::memory_resource* mem) {
  auto* out = new (mem->allocate(sizeof(std::pmr::string), alignof(std::pmr::string))) std::pmr::string(mem);
  out->reserve(160 + f.details_json.size());
  JsonWriter w(*out);
  w.begin_object();
  w.field("status", outcome_name(f.outcome));
  if (f.outcome == Outcome::rejected) {
    w.field("reason", reason_name(f.reason));
    w.field("error", reason_message(f.reason));
  }
  w.field("requestId", f.request_id);
  if (!f.call_id.empty()) w.field("callId", f.call_id);
  if (!f.record_id.empty()) w.field("recordId", f.record_id);
  if (!f.event.empty()) w.field("event", f.event);
  if (f.retry_after_seconds != 0) w.key("retryAfter").integer(f.retry_after_seconds);
  if (!f.details_json.empty()) w.key("details").raw(f.details_json);
  w.end_object();
  // The string lives in `mem` and is never destroyed: `mem` is an arena.
  return *out;
}

}  // namespace voxfra
