// custom: Voxfra's own format (docs/providers.md, "Custom"), a flat
// object with the record's provider-side fields under their record names.
// It is our contract, so it is read strictly: every wrong type is a problem.
#include <array>
#include <cmath>
#include <charconv>

#include "providers/mapping.h"

namespace voxfra {

namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kCallEnded = "call.ended";

struct StringField {
  std::string_view name;
  std::string_view CallRecord::*member;
};

constexpr std::array<StringField, 12> kOptionalStrings = {{
    {"status", &CallRecord::status},
    {"outcome", &CallRecord::outcome},
    {"endedReason", &CallRecord::ended_reason},
    {"fromNumber", &CallRecord::from_number},
    {"toNumber", &CallRecord::to_number},
    {"customerNumber", &CallRecord::customer_number},
    {"agentId", &CallRecord::agent_id},
    {"transcript", &CallRecord::transcript},
    {"recordingUrl", &CallRecord::recording_url},
    {"summary", &CallRecord::summary},
    {"sentiment", &CallRecord::sentiment},
    {"intent", &CallRecord::intent},
}};

// startedAt is required, with endedAt or durationSeconds; the one left out
// is computed from the other two.
void read_times(Payload& in, CallRecord& out) {
  out.started_at = in.iso_time("startedAt", Need::required);
  out.ended_at = in.iso_time("endedAt");
  out.duration_seconds = in.number("durationSeconds");
  if (!in.find("endedAt") && !in.find("durationSeconds")) {
    in.problem("endedAt", "is required (or durationSeconds)");
    return;
  }
  if (out.duration_seconds && *out.duration_seconds < 0) {
    in.problem("durationSeconds", "must not be negative");
    return;
  }
  if (!out.started_at) return;
  if (out.ended_at) {
    if (*out.ended_at < *out.started_at) {
      in.problem("endedAt", "must not be before startedAt");
    } else if (!out.duration_seconds) {
      out.duration_seconds = static_cast<double>(*out.ended_at - *out.started_at) / 1000.0;
    }
    return;
  }
  if (!out.duration_seconds) return;  // a wrong type, already recorded
  const double ended_millis = static_cast<double>(*out.started_at) + *out.duration_seconds * 1000.0;
  if (ended_millis > kLastRecordMillis) {
    in.problem("durationSeconds", "is too large");
    return;
  }
  out.ended_at = std::llround(ended_millis);
}

void read_direction(Payload& in, CallRecord& out) {
  auto direction = in.string("direction");
  if (!direction) return;
  if (*direction != "inbound" && *direction != "outbound" && *direction != "web") {
    in.problem("direction", "must be inbound, outbound or web");
    return;
  }
  out.direction = *direction;
}

// "turns[2]" or "turns[2].role", in the payload's memory: problems keep
// views of their field names.
std::string_view turn_field_name(Payload& in, std::size_t index, std::string_view field) {
  char digits[24];
  const auto [digits_end, error] = std::to_chars(digits, digits + sizeof(digits), index);
  (void)error;  // 24 characters hold any size_t
  std::pmr::string name(in.memory());
  name.append("turns[").append(digits, digits_end).append("]");
  if (!field.empty()) name.append(".").append(field);
  return in.copy(name);
}

void read_turn(Payload& in, dom::element element, std::size_t index, CallRecord& out) {
  if (!element.is_object()) {
    in.problem(turn_field_name(in, index, {}), "must be an object");
    return;
  }
  Payload turn(element, in.memory(), nullptr);
  auto role = turn.string("role", Need::required);
  if (role && *role != "agent" && *role != "user") turn.problem("role", "must be agent or user");
  auto text = turn.string("text", Need::required);
  auto start_seconds = turn.number("startSeconds");
  for (const FieldProblem& problem : turn.problems()) {
    in.problem(turn_field_name(in, index, problem.field), problem.problem);
  }
  if (!turn.has_problems()) out.turns.push_back({*role, *text, start_seconds});
}

void read_turns(Payload& in, CallRecord& out) {
  auto turns = in.array("turns");
  if (!turns) return;
  out.turns.reserve(turns->size());
  std::size_t index = 0;
  for (dom::element element : *turns) read_turn(in, element, index++, out);
}

void read_details(Payload& in, CallRecord& out) {
  for (const StringField& field : kOptionalStrings) {
    out.*field.member = in.string(field.name).value_or("");
  }
  read_direction(in, out);
  read_turns(in, out);
  if (in.object("variables")) out.variables_json = in.json(*in.find("variables"));
  out.cost = in.number("cost");
}

}  // namespace

Verdict map_custom(Payload& in, CallRecord& out) {
  if (!in.root().is_object()) {
    in.problem("$", "must be an object");
    return Verdict::invalid;
  }
  auto event = event_name(in, "event", Need::optional);
  if (in.has_problems()) return Verdict::invalid;
  out.event = event.value_or(kCallEnded);
  // Senders may post the whole life of a call; only its end is a record.
  if (out.event != kCallEnded) return Verdict::ignored;
  out.call_id = required_call_id(in, "callId");
  read_times(in, out);
  read_details(in, out);
  return in.has_problems() ? Verdict::invalid : Verdict::end_of_call;
}

}  // namespace voxfra
