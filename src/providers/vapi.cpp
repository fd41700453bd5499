// Vapi: {"message":{"type":"end-of-call-report","call":{...},...}}.
// docs/providers.md, "Vapi". Canonical paths come first,
// the legacy top-level fields that older senders still post are fallbacks.
#include "providers/mapping.h"

namespace voxfra {

namespace {

constexpr std::string_view kEndOfCallReport = "end-of-call-report";

// Vapi ends a call for one of some 600 reasons; the record keeps the reason
// and sums it up in four outcomes.
std::string_view outcome_from_ended_reason(std::string_view reason) {
  if (reason.empty()) return {};
  if (reason == "voicemail") return "voicemail";
  if (reason == "customer-did-not-answer" || reason == "customer-busy") return "no-answer";
  if (reason.find("error") != std::string_view::npos || reason.find("failed") != std::string_view::npos) {
    return "failed";
  }
  return "completed";
}

std::string_view direction_from_call_type(std::string_view type) {
  if (type == "inboundPhoneCall") return "inbound";
  if (type == "outboundPhoneCall") return "outbound";
  if (type == "webCall" || type == "vapi.websocketCall") return "web";
  return {};
}

// "bot" in the SDK, "assistant" in the docs; system and tool messages are
// not turns of the conversation.
std::string_view turn_role(std::string_view vapi_role) {
  if (vapi_role == "bot" || vapi_role == "assistant") return "agent";
  if (vapi_role == "user") return "user";
  return {};
}

// The first of two places that holds a value: a present value must be a
// valid time, and then the fallback is not read.
std::optional<UnixMillis> time_at(Payload& in, std::string_view path, std::string_view fallback) {
  return in.iso_time(in.find(path) ? path : fallback);
}

std::optional<double> legacy_duration_seconds(Payload& in) {
  if (auto seconds = in.number("message.durationSeconds")) return seconds;
  if (auto millis = in.number("message.durationMs")) return *millis / 1000.0;
  if (auto minutes = in.number("message.durationMinutes")) return *minutes * 60.0;
  return std::nullopt;
}

// Duration from the two times when they agree; otherwise whatever legacy
// measure the sender posted. A negative one is no measure: left out, since
// rejecting the report would lose the call (Vapi does not retry by default).
void read_times(Payload& in, CallRecord& out) {
  out.started_at = time_at(in, "message.startedAt", "message.call.startedAt");
  out.ended_at = time_at(in, "message.endedAt", "message.call.endedAt");
  out.duration_seconds = seconds_between(out.started_at, out.ended_at);
  if (!out.duration_seconds) out.duration_seconds = non_negative(legacy_duration_seconds(in));
}

// Which number is the caller depends on the direction: Vapi names the
// customer's number and its own, not "from" and "to".
void read_numbers(Payload& in, CallRecord& out) {
  if (auto call_type = in.string("message.call.type")) out.direction = direction_from_call_type(*call_type);
  const std::string_view customer = in.first_string({"message.customer.number", "message.call.customer.number"});
  numbers_by_direction(out, customer, in.string("message.phoneNumber.number").value_or(""));
}

// Messages vary in shape (tool calls, tool results, system prompts): an
// element that is not a spoken turn is passed over, never a reason to
// reject the whole report.
std::optional<Turn> read_message(Payload& message) {
  const std::string_view role = turn_role(message.string("role").value_or(""));
  auto text = message.string("message");
  if (role.empty() || !text) return std::nullopt;
  return Turn{role, *text, message.number("secondsFromStart")};
}

// {"structuredData":…,"successEvaluation":…,"variableValues":…,
// "structuredOutputs":…} with what the report holds; empty when none.
std::string_view variables_json(Payload& in) {
  return VariablesJson(in)
      .add({{"structuredData", "message.analysis.structuredData"},
            {"successEvaluation", "message.analysis.successEvaluation"},
            {"variableValues", "message.artifact.variableValues"},
            {"structuredOutputs", "message.artifact.structuredOutputs"}})
      .finish();
}

void read_content(Payload& in, CallRecord& out) {
  out.agent_id = in.first_string({"message.call.assistantId", "message.call.squadId", "message.call.workflowId"});
  out.transcript = in.first_string({"message.artifact.transcript", "message.transcript"});
  read_turns(in, in.find("message.artifact.messages") ? "message.artifact.messages" : "message.messages", out,
             read_message);
  out.recording_url = in.first_string(
      {"message.artifact.recordingUrl", "message.artifact.recording.mono.combinedUrl", "message.recordingUrl"});
  out.summary = in.first_string({"message.analysis.summary", "message.summary"});
  // In the structured data if the assistant is configured to make them.
  out.sentiment = loose_string(in, "message.analysis.structuredData.sentiment");
  out.intent = loose_string(in, "message.analysis.structuredData.intent");
  out.variables_json = variables_json(in);
}

Verdict map_end_of_call_report(Payload& in, CallRecord& out) {
  if (in.object("message.call", Need::required)) out.call_id = required_call_id(in, "message.call.id");
  out.status = in.string("message.call.status").value_or("");
  out.ended_reason = in.first_string({"message.endedReason", "message.call.endedReason"});
  out.outcome = outcome_from_ended_reason(out.ended_reason);
  read_times(in, out);
  read_numbers(in, out);
  read_content(in, out);
  out.cost = in.number("message.cost");
  if (!out.cost) out.cost = in.number("message.call.costBreakdown.total");
  return in.has_problems() ? Verdict::invalid : Verdict::end_of_call;
}

}  // namespace

Verdict map_vapi(Payload& in, CallRecord& out) {
  if (!in.object("message", Need::required)) return Verdict::invalid;
  auto type = event_name(in, "message.type");
  if (!type) return Verdict::invalid;
  out.event = *type;
  // Status updates, transcripts, tool calls…: Vapi posts them all to the
  // same URL; only the report at the end is a call to store.
  if (*type != kEndOfCallReport) return Verdict::ignored;
  return map_end_of_call_report(in, out);
}

}  // namespace voxfra
