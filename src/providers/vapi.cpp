// Vapi: {"message":{"type":"end-of-call-report","call":{...},...}}.
// providers.md §1 (payload) and §9 (mapping). Canonical paths come first,
// the legacy top-level fields that older senders still post are fallbacks.
#include <array>

#include "providers/adapter.h"
#include "record/json_writer.h"

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
  if (out.started_at && out.ended_at && *out.ended_at >= *out.started_at) {
    out.duration_seconds = static_cast<double>(*out.ended_at - *out.started_at) / 1000.0;
  } else {
    out.duration_seconds = legacy_duration_seconds(in);
  }
  if (out.duration_seconds && *out.duration_seconds < 0) out.duration_seconds.reset();
}

// Which number is the caller depends on the direction: Vapi names the
// customer's number and its own, not "from" and "to".
void read_numbers(Payload& in, CallRecord& out) {
  if (auto call_type = in.string("message.call.type")) out.direction = direction_from_call_type(*call_type);
  out.customer_number = in.first_string({"message.customer.number", "message.call.customer.number"});
  const std::string_view vapi_number = in.string("message.phoneNumber.number").value_or("");
  if (out.direction == "inbound") {
    out.from_number = out.customer_number;
    out.to_number = vapi_number;
  } else if (out.direction == "outbound") {
    out.from_number = vapi_number;
    out.to_number = out.customer_number;
  }
}

// Messages vary in shape (tool calls, tool results, system prompts): an
// element that is not a spoken turn is passed over, never a reason to
// reject the whole report.
void read_turns(Payload& in, CallRecord& out) {
  const std::string_view path =
      in.find("message.artifact.messages") ? "message.artifact.messages" : "message.messages";
  auto messages = in.array(path);
  if (!messages) return;
  out.turns.reserve(messages->size());
  for (simdjson::dom::element element : *messages) {
    Payload message(element, in.memory(), nullptr);  // its problems are dropped: leniency
    const std::string_view role = turn_role(message.string("role").value_or(""));
    auto text = message.string("message");
    if (role.empty() || !text) continue;
    out.turns.push_back({role, *text, message.number("secondsFromStart")});
  }
}

// A string in the assistant's structured data, if it is configured to make
// one; its shape is the customer's choice, so anything else is no value.
std::string_view structured_string(const Payload& in, std::string_view path) {
  std::string_view text;
  auto value = in.find(path);
  if (!value || value->get_string().get(text)) return {};
  return text;
}

// {"structuredData":…,"successEvaluation":…,"variableValues":…,
// "structuredOutputs":…} with what the report holds; empty when none.
std::string_view variables_json(Payload& in) {
  struct Source {
    std::string_view name;
    std::string_view path;
  };
  static constexpr std::array<Source, 4> kSources = {{
      {"structuredData", "message.analysis.structuredData"},
      {"successEvaluation", "message.analysis.successEvaluation"},
      {"variableValues", "message.artifact.variableValues"},
      {"structuredOutputs", "message.artifact.structuredOutputs"},
  }};
  std::pmr::string text(in.memory());
  JsonWriter w(text);
  bool any = false;
  for (const Source& source : kSources) {
    auto value = in.find(source.path);
    if (!value) continue;
    if (!any) w.begin_object();
    any = true;
    w.key(source.name).raw(in.json(*value));
  }
  if (!any) return {};
  w.end_object();
  return in.copy(text);
}

void read_content(Payload& in, CallRecord& out) {
  out.agent_id = in.first_string({"message.call.assistantId", "message.call.squadId", "message.call.workflowId"});
  out.transcript = in.first_string({"message.artifact.transcript", "message.transcript"});
  read_turns(in, out);
  out.recording_url = in.first_string(
      {"message.artifact.recordingUrl", "message.artifact.recording.mono.combinedUrl", "message.recordingUrl"});
  out.summary = in.first_string({"message.analysis.summary", "message.summary"});
  out.sentiment = structured_string(in, "message.analysis.structuredData.sentiment");
  out.intent = structured_string(in, "message.analysis.structuredData.intent");
  out.variables_json = variables_json(in);
}

Verdict map_end_of_call_report(Payload& in, CallRecord& out) {
  if (in.object("message.call", Need::required)) {
    auto call_id = in.string("message.call.id", Need::required);
    // The id is the idempotency key: an empty one would merge unrelated calls.
    if (call_id && call_id->empty()) in.problem("message.call.id", "must not be empty");
    out.call_id = call_id.value_or("");
  }
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
  auto type = in.string("message.type", Need::required);
  if (!type) return Verdict::invalid;
  out.event = *type;
  // Status updates, transcripts, tool calls…: Vapi posts them all to the
  // same URL; only the report at the end is a call to store.
  if (*type != kEndOfCallReport) return Verdict::ignored;
  return map_end_of_call_report(in, out);
}

}  // namespace voxfra
