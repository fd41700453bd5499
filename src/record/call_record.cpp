#include "record/call_record.h"

namespace voxfra {

namespace {

// Each helper writes its member only when the value is present: the record
// leaves absent fields out rather than writing empty strings or nulls.

void write_if_present(JsonWriter& w, std::string_view name, std::string_view value) {
  if (!value.empty()) w.field(name, value);
}

void write_if_present(JsonWriter& w, std::string_view name, std::optional<double> value) {
  if (value) w.key(name).number(*value);
}

void write_time(JsonWriter& w, std::string_view name, UnixMillis t) {
  char text[32];
  w.key(name).string({text, format_rfc3339(t, text)});
}

void write_time_if_present(JsonWriter& w, std::string_view name, std::optional<UnixMillis> t) {
  if (t) write_time(w, name, *t);
}

void write_turns(JsonWriter& w, const std::pmr::vector<Turn>& turns) {
  if (turns.empty()) return;
  w.key("turns").begin_array();
  for (const Turn& turn : turns) {
    w.begin_object().field("role", turn.role).field("text", turn.text);
    write_if_present(w, "startSeconds", turn.start_seconds);
    w.end_object();
  }
  w.end_array();
}

}  // namespace

void write_call_record(JsonWriter& w, const RecordContext& ctx, const CallRecord& rec) {
  w.begin_object();
  write_if_present(w, "requestId", ctx.request_id);
  write_time(w, "receivedAt", ctx.received_at);
  write_if_present(w, "org", ctx.org);
  write_if_present(w, "client", ctx.client);
  write_if_present(w, "endpoint", ctx.endpoint_id);
  write_if_present(w, "provider", ctx.provider);
  write_if_present(w, "event", rec.event);
  write_if_present(w, "callId", rec.call_id);
  write_if_present(w, "status", rec.status);
  write_if_present(w, "outcome", rec.outcome);
  write_if_present(w, "endedReason", rec.ended_reason);
  write_time_if_present(w, "startedAt", rec.started_at);
  write_time_if_present(w, "endedAt", rec.ended_at);
  write_if_present(w, "durationSeconds", rec.duration_seconds);
  write_if_present(w, "fromNumber", rec.from_number);
  write_if_present(w, "toNumber", rec.to_number);
  write_if_present(w, "customerNumber", rec.customer_number);
  write_if_present(w, "direction", rec.direction);
  write_if_present(w, "agentId", rec.agent_id);
  write_if_present(w, "transcript", rec.transcript);
  write_turns(w, rec.turns);
  write_if_present(w, "recordingUrl", rec.recording_url);
  write_if_present(w, "summary", rec.summary);
  write_if_present(w, "sentiment", rec.sentiment);
  write_if_present(w, "intent", rec.intent);
  if (!rec.variables_json.empty()) w.key("variables").raw(rec.variables_json);
  write_if_present(w, "cost", rec.cost);
  w.end_object();
}

}  // namespace voxfra
