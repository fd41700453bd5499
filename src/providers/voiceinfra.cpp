// VoiceInfra: a flat call record, posted when a call hangs up whatever its
// outcome. docs/providers.md, "VoiceInfra". The event is in the body's `event` and
// in the X-VoiceInfra-Event header (the body wins when both are sent, and
// on a signed endpoint only the body counts);
// `call.completed` is the only one VoiceInfra documents, and any other is
// ignored.
#include "providers/mapping.h"
#include "store/key_fields.h"

namespace voxfra {

namespace {

constexpr std::string_view kCallCompleted = "call.completed";

// call_outcome is answered, voicemail or failed; the record says
// "completed" for an answered call, as for every provider. A value
// VoiceInfra adds later is kept as sent.
std::string_view outcome_of(std::string_view call_outcome) {
  if (call_outcome == "answered") return "completed";
  if (means_no_answer(call_outcome)) return "no-answer";
  return call_outcome;
}

constexpr std::string_view kEventHeader = "X-VoiceInfra-Event";

// The header is read only on an endpoint without a secret: the signature
// covers the body alone, and the ingest core gives a signed endpoint's
// adapter no headers (an unsigned header must not decide what is stored).
std::string_view event_of(Payload& in) {
  const std::string_view body_event = event_name(in, "event", Need::optional).value_or("");
  if (!body_event.empty()) return body_event;
  const std::string_view header_event = in.header(kEventHeader);
  const std::string_view problem = key_field_problem(KeyField::event, header_event);
  if (problem.empty()) return header_event;
  in.problem(kEventHeader, problem);
  return {};
}

void read_call(Payload& in, CallRecord& out) {
  out.call_id = required_call_id(in, "call_id");
  out.outcome = outcome_of(in.string("call_outcome").value_or(""));
  out.started_at = in.iso_time("start_time");
  out.ended_at = in.iso_time("end_time");
  // From answer to hang-up, so it can be shorter than end - start.
  out.duration_seconds = non_negative(in.number("duration_seconds"));
  if (!out.duration_seconds) out.duration_seconds = seconds_between(out.started_at, out.ended_at);
  // The caller and the called number; VoiceInfra sends no direction, so
  // which of them is the customer is not known.
  out.from_number = in.string("from_number").value_or("");
  out.to_number = in.string("to_number").value_or("");
  out.agent_id = in.string("agent_id").value_or("");
  out.transcript = in.string("transcript").value_or("");  // "Agent: …\nCaller: …"
  out.recording_url = in.string("recording_url").value_or("");
  out.summary = in.string("summary").value_or("");
  // The object of key data the agent extracted; its key is not documented
  // (likely "extracted_data", see docs/providers.md), so both names are read.
  out.variables_json =
      VariablesJson(in).add({{"extracted_data", "extracted_data"}, {"key_data", "key_data"}}).finish();
}

}  // namespace

Verdict map_voiceinfra(Payload& in, CallRecord& out) {
  const std::string_view event = event_of(in);
  if (in.has_problems()) return Verdict::invalid;
  if (event.empty()) {
    in.problem("event", "is required (or the X-VoiceInfra-Event header)");
    return Verdict::invalid;
  }
  out.event = event;
  if (event != kCallCompleted) return Verdict::ignored;
  read_call(in, out);
  return in.has_problems() ? Verdict::invalid : Verdict::end_of_call;
}

}  // namespace voxfra
