// Bland AI: when a call ends Bland posts the call object itself (the body of
// GET /v1/calls/{id}), with no event field. docs/providers.md, "Bland".
//
// What counts as the end of a call: a body with a call id (`call_id`, or the
// older `c_id`) and `completed` or `status`, the fields only the finished
// call object has. A body with a call id and neither is not a report (Bland
// can stream other events to the same URL with `webhook_events`): it is
// ignored as event "call.update". A body without a call id is no Bland call
// at all and is rejected, so that a misdirected sender hears why.
// The record's event is "call.ended" (Bland sends none).
#include "providers/mapping.h"

namespace voxfra {

namespace {

constexpr std::string_view kCallEnded = "call.ended";
constexpr std::string_view kCallUpdate = "call.update";

// Voicemail from answering-machine detection; no answer and busy from the
// dial; failures from an error; a finished call otherwise.
std::string_view outcome_of(Payload& in, const CallRecord& out, std::optional<bool> completed) {
  const std::string_view answered_by = in.string("answered_by").value_or("");
  const std::string_view queue_status = in.string("queue_status").value_or("");
  const std::string_view error = in.string("error_message").value_or("");
  if (answered_by == "voicemail") return "voicemail";
  for (std::string_view status : {out.status, queue_status, answered_by}) {
    if (means_no_answer(status)) return "no-answer";
  }
  if (!error.empty() || is_any_of(out.status, {"failed", "error"}) ||
      queue_status.find("error") != std::string_view::npos) {
    return "failed";
  }
  if (completed.value_or(false) || is_any_of(out.status, {"completed", "complete"})) return "completed";
  return {};
}

// Duration from `corrected_duration` (seconds, sent as a string: "71"),
// else `call_length` (minutes). The end is the start plus that duration:
// Bland's own `end_at` is described ambiguously (it may be the time
// max_duration would have ended the call), so it is only the fallback.
void read_times(Payload& in, CallRecord& out) {
  out.started_at = in.iso_time("started_at");
  const std::optional<UnixMillis> end_at = in.iso_time("end_at");
  // A negative one is no measure, and the next is tried.
  out.duration_seconds = non_negative(in.number("corrected_duration", Need::optional, /*numeric_strings=*/true));
  if (!out.duration_seconds) {
    if (auto minutes = non_negative(in.number("call_length"))) out.duration_seconds = *minutes * 60.0;
  }
  out.ended_at = add_seconds(out.started_at, out.duration_seconds);
  if (!out.ended_at) out.ended_at = end_at;
  if (!out.duration_seconds) out.duration_seconds = seconds_between(out.started_at, out.ended_at);
}

// Who spoke: "agent-action" (tool runs, transfers) is nobody.
std::string_view turn_role(std::string_view bland_user) {
  if (bland_user == "user") return "user";
  if (is_any_of(bland_user, {"assistant", "robot", "agent"})) return "agent";
  return {};
}

// transcripts[] = {id, created_at (ISO), text, user: user|assistant|robot|
// agent-action, c_id}. A turn's start is its time since the call started,
// when both are known.
void read_transcripts(Payload& in, CallRecord& out) {
  const std::optional<UnixMillis> started_at = out.started_at;
  read_turns(in, "transcripts", out, [started_at](Payload& item) -> std::optional<Turn> {
    const std::string_view role = turn_role(item.string("user").value_or(""));
    auto text = item.string("text");
    if (role.empty() || !text) return std::nullopt;
    return Turn{role, *text, seconds_between(started_at, item.iso_time("created_at"))};
  });
}

void read_call(Payload& in, CallRecord& out, std::optional<bool> completed) {
  out.status = in.first_string({"status", "queue_status"});
  out.outcome = outcome_of(in, out, completed);
  out.ended_reason = in.first_string({"error_message", "call_ended_by"});
  read_times(in, out);
  if (auto inbound = in.boolean("inbound")) out.direction = *inbound ? "inbound" : "outbound";
  out.from_number = in.string("from").value_or("");
  out.to_number = in.string("to").value_or("");
  out.customer_number = customer_by_direction(out);
  // Bland has no agent id: a pathway is the nearest thing.
  out.agent_id = in.string("pathway_id").value_or("");
  out.transcript = in.string("concatenated_transcript").value_or("");
  read_transcripts(in, out);
  out.recording_url = in.string("recording_url").value_or("");
  out.summary = in.string("summary").value_or("");
  // Present when the call had an analysis_schema that asks for them.
  out.sentiment = loose_string(in, "analysis.sentiment");
  out.intent = loose_string(in, "analysis.intent");
  out.variables_json =
      VariablesJson(in).add({{"variables", "variables"}, {"analysis", "analysis"}, {"metadata", "metadata"}}).finish();
  out.cost = in.number("price");
}

}  // namespace

Verdict map_bland(Payload& in, CallRecord& out) {
  const std::string_view call_id = required_call_id(in, {"call_id", "c_id"});
  auto completed = in.boolean("completed");
  const bool has_status = in.find("status").has_value();
  if (in.has_problems()) return Verdict::invalid;
  if (!completed && !has_status) {
    out.event = kCallUpdate;
    return Verdict::ignored;
  }
  out.event = kCallEnded;
  out.call_id = call_id;
  read_call(in, out, completed);
  return in.has_problems() ? Verdict::invalid : Verdict::end_of_call;
}

}  // namespace voxfra
