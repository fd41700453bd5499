// VoxPria: {"event":…,"timestamp":<ISO>,"data":{…}}. docs/providers.md,
// "VoxPria". Its two doc pages spell fields differently (data.callId or data.id,
// data.toNumber or data.phoneNumber); every spelling they show is read.
// call.completed, call.ended and call.failed end a call; call.started,
// campaign.* and anything else are ignored.
#include "providers/mapping.h"

namespace voxfra {

namespace {

bool is_end_of_call(std::string_view event) { return is_any_of(event, {"call.completed", "call.ended", "call.failed"}); }

// data.status, in the record's outcomes; call.failed is a failure whatever
// the status says, and a finished call without a status is completed.
std::string_view outcome_of(std::string_view event, std::string_view status) {
  if (event == "call.failed" || is_any_of(status, {"failed", "error"})) return "failed";
  if (status == "voicemail") return "voicemail";
  if (means_no_answer(status)) return "no-answer";
  return "completed";
}

// The envelope's time is when the call ended; VoxPria sends no start, so it
// is the end less the duration.
void read_times(Payload& in, CallRecord& out) {
  out.ended_at = in.iso_time("timestamp");
  out.duration_seconds = non_negative(in.number("data.duration", Need::optional, /*numeric_strings=*/true));
  if (out.duration_seconds) out.started_at = add_seconds(out.ended_at, -*out.duration_seconds);
}

}  // namespace

Verdict map_voxpria(Payload& in, CallRecord& out) {
  auto event = event_name(in, "event");
  if (!event) return Verdict::invalid;
  out.event = *event;
  if (!is_end_of_call(*event)) return Verdict::ignored;
  if (!in.object("data", Need::required)) return Verdict::invalid;
  out.call_id = required_call_id(in, {"data.callId", "data.call_id", "data.id"});
  out.status = in.string("data.status").value_or("");
  out.outcome = outcome_of(*event, out.status);
  read_times(in, out);
  // VoxPria dials its campaigns' contacts: the number it names is the
  // contact's, the customer.
  out.to_number = in.first_string({"data.toNumber", "data.to_number", "data.phone_number", "data.phoneNumber"});
  out.from_number = in.first_string({"data.fromNumber", "data.from_number"});
  out.customer_number = out.to_number;
  out.transcript = in.string("data.transcript").value_or("");
  out.recording_url = in.first_string({"data.recording", "data.recording_url"});
  out.summary = in.string("data.summary").value_or("");
  out.variables_json = VariablesJson(in).add({{"variables", "data.variables"}}).finish();
  return in.has_problems() ? Verdict::invalid : Verdict::end_of_call;
}

}  // namespace voxfra
