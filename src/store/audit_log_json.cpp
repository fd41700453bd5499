#include "store/audit_log_json.h"

namespace voxfra {

namespace {

void string_or_null(JsonWriter& w, std::string_view name, std::string_view value) {
  w.key(name);
  if (value.empty()) {
    w.null();
  } else {
    w.string(value);
  }
}

}  // namespace

void write_audit_entry(JsonWriter& w, const AuditEntry& e) {
  w.begin_object();
  w.key("id").integer(static_cast<std::int64_t>(e.sequence));
  write_time_or_null(w, "at", e.at);
  w.field("actor", e.actor);
  string_or_null(w, "tokenId", e.token_id);
  w.field("action", e.action).field("endpoint", e.endpoint_id);
  w.field("org", e.org).field("client", e.client).field("provider", e.provider);
  w.field("slugPrefix", e.slug_prefix);
  string_or_null(w, "requestId", e.request_id);
  // Written by the rules (endpoints/endpoint_changes.cpp) with JsonWriter:
  // one JSON object; anything else is shown as an empty one.
  const bool object = e.detail.size() >= 2 && e.detail.front() == '{' && e.detail.back() == '}';
  w.key("detail").raw(object ? std::string_view(e.detail) : std::string_view("{}"));
  w.end_object();
}

}  // namespace voxfra
