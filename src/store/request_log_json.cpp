#include "store/request_log_json.h"

namespace voxfra {

void write_request_log_entry(JsonWriter& w, const RequestLogEntry& e) {
  char at[32];
  w.begin_object();
  w.field("at", std::string_view(at, format_rfc3339(e.at_micros / 1000, at)));
  w.field("endpoint", e.endpoint_id());
  if (e.provider != 0) w.field("provider", provider_name(static_cast<Provider>(e.provider)));
  w.field("outcome", outcome_name(e.outcome));
  w.key("httpStatus").integer(e.http_status);
  if (e.reason != Reason::none) w.field("reason", reason_name(e.reason));
  w.field("requestId", e.request_id());
  if (!e.call_id().empty()) w.field("callId", e.call_id());
  w.key("latencyMs").number(static_cast<double>(e.latency_micros) / 1000.0);
  w.end_object();
}

}  // namespace voxfra
