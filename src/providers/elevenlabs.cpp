// ElevenLabs Agents: {"type":…,"event_timestamp":<epoch s>,"data":{…}}.
// docs/providers.md, "ElevenLabs".
//
// Two types end a call:
// - `post_call_transcription`: the conversation as GET Conversation returns
//   it (transcript, analysis, metadata);
// - `call_initiation_failure`: an outbound dial that never connected. It is
//   a call to record (outcome "no-answer" for busy and no-answer, "failed"
//   otherwise) when it carries a conversation_id; one without is ignored,
//   as there is no call to key it on.
// `post_call_audio` (the whole call as base64 MP3, large) and any other type
// are ignored.
#include <algorithm>

#include "providers/mapping.h"

namespace voxfra {

namespace {

constexpr std::string_view kTranscription = "post_call_transcription";
constexpr std::string_view kInitiationFailure = "call_initiation_failure";

// Termination reasons are free text ("Voicemail detected", …).
bool mentions_voicemail(std::string_view text) {
  constexpr std::string_view kWord = "voicemail";
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return std::search(text.begin(), text.end(), kWord.begin(), kWord.end(),
                     [&](char a, char b) { return lower(a) == b; }) != text.end();
}

// A failed conversation is a failed call; voicemail detection ends a call
// with a termination reason that says so; otherwise the analysis says
// whether the call did what it was for (call_successful: success, failure
// or unknown), and a finished call without a verdict is completed.
std::string_view transcription_outcome(const CallRecord& out, std::string_view call_successful) {
  if (out.status == "failed") return "failed";
  if (mentions_voicemail(out.ended_reason)) return "voicemail";
  if (call_successful == "failure") return "failed";
  if (call_successful == "success" || out.status == "done") return "completed";
  return {};
}

// transcript[] = {role: agent|user, message (null for tool calls),
// time_in_call_secs, …}.
std::optional<Turn> read_transcript_turn(Payload& item) {
  const std::string_view role = item.string("role").value_or("");
  auto message = item.string("message");
  if ((role != "agent" && role != "user") || !message) return std::nullopt;
  return Turn{role, *message, item.number("time_in_call_secs")};
}

// Phone calls name the agent's number and the external one; conversations
// without `phone_call` (widget, SDK) have neither and no direction.
void read_phone_call(Payload& in, CallRecord& out) {
  out.direction = in.string("data.metadata.phone_call.direction").value_or("");
  numbers_by_direction(out, in.string("data.metadata.phone_call.external_number").value_or(""),
                       in.string("data.metadata.phone_call.agent_number").value_or(""));
}

// ElevenLabs sends no end time: the end is the start plus the duration.
// Both are always in a transcription's metadata.
void read_times(Payload& in, CallRecord& out) {
  if (!in.object("data.metadata", Need::required)) return;
  out.started_at = in.epoch_seconds("data.metadata.start_time_unix_secs", Need::required);
  out.duration_seconds = non_negative(in.number("data.metadata.call_duration_secs", Need::required));
  out.ended_at = add_seconds(out.started_at, out.duration_seconds);
}

void read_transcription(Payload& in, CallRecord& out) {
  out.status = in.string("data.status").value_or("");
  out.ended_reason = in.string("data.metadata.termination_reason").value_or("");
  out.outcome = transcription_outcome(out, in.string("data.analysis.call_successful").value_or(""));
  read_times(in, out);
  read_phone_call(in, out);
  read_turns(in, "data.transcript", out, read_transcript_turn);
  out.transcript = transcript_from_turns(in, out.turns);
  out.summary = in.string("data.analysis.transcript_summary").value_or("");
  // A data collection item named "intent" (value: a string), if configured.
  out.intent = loose_string(in, "data.analysis.data_collection_results.intent.value");
  out.variables_json =
      VariablesJson(in)
          .add({{"data_collection_results", "data.analysis.data_collection_results"},
                {"evaluation_criteria_results", "data.analysis.evaluation_criteria_results"},
                {"call_successful", "data.analysis.call_successful"},
                {"dynamic_variables", "data.conversation_initiation_client_data.dynamic_variables"},
                // Credits, not money: kept beside the record's cost.
                {"costCredits", "data.metadata.cost"}})
          .finish();
  // USD; older deliveries have only credits, and then there is no cost.
  out.cost = in.number("data.metadata.cost_fiat");
}

// data = {agent_id, conversation_id, failure_reason (busy, no-answer,
// unknown…), metadata: {type: twilio|sip, body: {…the telephony side's
// own report…}}}. It was an outbound dial; the failure time is the event's.
void read_initiation_failure(Payload& in, CallRecord& out) {
  out.ended_reason = in.string("data.failure_reason").value_or("");
  out.outcome = means_no_answer(out.ended_reason) ? "no-answer" : "failed";
  out.ended_at = in.epoch_seconds("event_timestamp");
  out.direction = "outbound";
  out.variables_json = VariablesJson(in).add({{"metadata", "data.metadata"}}).finish();
}

}  // namespace

Verdict map_elevenlabs(Payload& in, CallRecord& out) {
  auto type = event_name(in, "type");
  if (!type) return Verdict::invalid;
  out.event = *type;
  const bool failure = *type == kInitiationFailure;
  if (*type != kTranscription && !failure) return Verdict::ignored;
  if (!in.object("data", Need::required)) return Verdict::invalid;
  if (failure && !in.find("data.conversation_id")) return Verdict::ignored;
  out.call_id = required_call_id(in, "data.conversation_id");
  out.agent_id = in.string("data.agent_id").value_or("");
  if (failure) {
    read_initiation_failure(in, out);
  } else {
    read_transcription(in, out);
  }
  return in.has_problems() ? Verdict::invalid : Verdict::end_of_call;
}

}  // namespace voxfra
