// Retell AI: {"event":"call_ended"|"call_analyzed"|…,"call":{…call object…}}.
// docs/providers.md, "Retell". A call ends in two events:
// `call_ended` (everything but the analysis), then `call_analyzed` (with it).
// Both are end-of-call reports and are mapped in full; the core keys
// idempotency on the event, so they are two revisions of one call and the
// listings merge them.
#include "providers/mapping.h"

namespace voxfra {

namespace {

bool is_end_of_call(std::string_view event) { return is_any_of(event, {"call_ended", "call_analyzed"}); }

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// Retell ends a call for one of some 30 reasons (`disconnection_reason`);
// the record keeps the reason and sums it up in four outcomes. A call the
// analysis found in a voicemail box is a voicemail whatever hung up.
std::string_view outcome_of(std::string_view reason, std::string_view call_status, std::optional<bool> in_voicemail) {
  if (in_voicemail.value_or(false) || reason == "voicemail_reached" || reason == "machine_detected") {
    return "voicemail";
  }
  if (is_any_of(reason, {"dial_no_answer", "dial_busy", "user_declined"})) return "no-answer";
  if (reason == "dial_failed" || starts_with(reason, "error_") || reason == "invalid_destination" ||
      starts_with(reason, "telephony_provider_") || reason == "sip_routing_error" || reason == "marked_as_spam" ||
      reason == "no_valid_payment" || reason == "concurrency_limit_reached" || call_status == "error") {
    return "failed";
  }
  if (!reason.empty() || call_status == "ended") return "completed";
  return {};
}

// "Positive" and its kin in the record's lower case; "Unknown" is no
// sentiment; anything newer is kept as sent.
std::string_view sentiment_of(std::string_view user_sentiment) {
  if (user_sentiment == "Positive") return "positive";
  if (user_sentiment == "Negative") return "negative";
  if (user_sentiment == "Neutral") return "neutral";
  if (user_sentiment == "Unknown") return {};
  return user_sentiment;
}

std::string_view direction_of(Payload& in) {
  // Phone calls carry a direction; web calls carry none.
  if (auto direction = in.string("call.direction")) return *direction;
  if (in.string("call.call_type").value_or("") == "web_call") return "web";
  return {};
}

// transcript_object[] = {role: agent|user|transfer_target, content,
// words:[{word,start,end}]}: a turn starts at its first word (seconds into
// the audio). The transfer target is not a party of the agent's call.
std::optional<Turn> read_utterance(Payload& utterance) {
  const std::string_view role = utterance.string("role").value_or("");
  auto content = utterance.string("content");
  if ((role != "agent" && role != "user") || !content) return std::nullopt;
  std::optional<double> start;
  simdjson::dom::element first_word;
  auto words = utterance.array("words");
  if (words && !words->at(0).get(first_word)) {
    start = Payload(first_word, utterance.memory(), nullptr).number("start");
  }
  return Turn{role, *content, start};
}

void read_times(Payload& in, CallRecord& out) {
  // Calls that never connected (dial_failed, dial_no_answer…) may have no
  // start: the times are optional, but a present one must be epoch ms.
  out.started_at = in.epoch_millis("call.start_timestamp");
  out.ended_at = in.epoch_millis("call.end_timestamp");
  if (auto duration_ms = in.number("call.duration_ms")) {
    out.duration_seconds = non_negative(*duration_ms / 1000.0);
  } else {
    out.duration_seconds = seconds_between(out.started_at, out.ended_at);
  }
}

void read_analysis(Payload& in, CallRecord& out) {
  out.summary = in.string("call.call_analysis.call_summary").value_or("");
  out.sentiment = sentiment_of(in.string("call.call_analysis.user_sentiment").value_or(""));
  out.variables_json = VariablesJson(in)
                           .add({{"collected_dynamic_variables", "call.collected_dynamic_variables"},
                                 {"custom_analysis_data", "call.call_analysis.custom_analysis_data"},
                                 {"call_successful", "call.call_analysis.call_successful"},
                                 {"retell_llm_dynamic_variables", "call.retell_llm_dynamic_variables"},
                                 {"metadata", "call.metadata"}})
                           .finish();
}

Verdict map_call(Payload& in, CallRecord& out) {
  if (!in.object("call", Need::required)) return Verdict::invalid;
  out.call_id = required_call_id(in, "call.call_id");
  out.status = in.string("call.call_status").value_or("");
  out.ended_reason = in.string("call.disconnection_reason").value_or("");
  out.outcome = outcome_of(out.ended_reason, out.status, in.boolean("call.call_analysis.in_voicemail"));
  read_times(in, out);
  out.direction = direction_of(in);
  out.from_number = in.string("call.from_number").value_or("");
  out.to_number = in.string("call.to_number").value_or("");
  out.customer_number = customer_by_direction(out);
  out.agent_id = in.string("call.agent_id").value_or("");
  out.transcript = in.string("call.transcript").value_or("");
  read_turns(in, "call.transcript_object", out, read_utterance);
  out.recording_url = in.string("call.recording_url").value_or("");
  read_analysis(in, out);
  // Retell prices in cents.
  if (auto cents = in.number("call.call_cost.combined_cost")) out.cost = *cents / 100.0;
  return in.has_problems() ? Verdict::invalid : Verdict::end_of_call;
}

}  // namespace

Verdict map_retell(Payload& in, CallRecord& out) {
  auto event = event_name(in, "event");
  if (!event) return Verdict::invalid;
  out.event = *event;
  // call_started, transcript_updated, transfer_*: the same URL, no record.
  if (!is_end_of_call(*event)) return Verdict::ignored;
  return map_call(in, out);
}

}  // namespace voxfra
