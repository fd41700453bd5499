#include "providers/mapping.h"

#include <cmath>

#include "store/key_fields.h"

namespace voxfra {

namespace {

// `text` from `path` when it can be the key field `field`; nullopt (with the
// problem recorded) when it cannot.
std::optional<std::string_view> key_text(Payload& in, std::string_view path, KeyField field,
                                         std::optional<std::string_view> text) {
  if (!text) return text;
  const std::string_view problem = key_field_problem(field, *text);
  if (problem.empty()) return text;
  in.problem(path, problem);
  return std::nullopt;
}

}  // namespace

std::string_view required_call_id(Payload& in, std::string_view path) {
  auto call_id = key_text(in, path, KeyField::call_id, in.string(path, Need::required));
  if (call_id && call_id->empty()) in.problem(path, "must not be empty");
  return call_id.value_or("");
}

std::optional<std::string_view> event_name(Payload& in, std::string_view path, Need need) {
  return key_text(in, path, KeyField::event, in.string(path, need));
}

std::string_view required_call_id(Payload& in, std::initializer_list<std::string_view> paths) {
  for (std::string_view path : paths) {
    if (in.find(path)) return required_call_id(in, path);
  }
  // "is required (or data.call_id, data.id)": names every spelling accepted.
  std::pmr::string what("is required (or ", in.memory());
  for (const std::string_view* other = paths.begin() + 1; other != paths.end(); ++other) {
    if (other != paths.begin() + 1) what.append(", ");
    what.append(*other);
  }
  what.append(")");
  in.problem(*paths.begin(), in.copy(what));
  return {};
}

std::optional<double> seconds_between(std::optional<UnixMillis> started, std::optional<UnixMillis> ended) {
  if (!started || !ended || *ended < *started) return std::nullopt;
  return static_cast<double>(*ended - *started) / 1000.0;
}

std::optional<UnixMillis> add_seconds(std::optional<UnixMillis> time, std::optional<double> seconds) {
  if (!time || !seconds) return std::nullopt;
  const double millis = static_cast<double>(*time) + *seconds * 1000.0;
  if (!(millis >= 0 && millis <= kLastRecordMillis)) return std::nullopt;
  return std::llround(millis);
}

std::optional<double> non_negative(std::optional<double> seconds) {
  if (seconds && *seconds < 0) return std::nullopt;
  return seconds;
}

bool is_any_of(std::string_view value, std::initializer_list<std::string_view> values) {
  for (std::string_view v : values) {
    if (value == v) return true;
  }
  return false;
}

bool means_no_answer(std::string_view status) { return is_any_of(status, {"no-answer", "no_answer", "busy"}); }

void numbers_by_direction(CallRecord& out, std::string_view customer, std::string_view agent_side) {
  out.customer_number = customer;
  if (out.direction == "inbound") {
    out.from_number = customer;
    out.to_number = agent_side;
  } else if (out.direction == "outbound") {
    out.from_number = agent_side;
    out.to_number = customer;
  }
}

std::string_view customer_by_direction(const CallRecord& out) {
  if (out.direction == "inbound") return out.from_number;
  if (out.direction == "outbound") return out.to_number;
  return {};
}

std::string_view loose_string(const Payload& in, std::string_view path) {
  std::string_view text;
  auto value = in.find(path);
  if (!value || value->get_string().get(text)) return {};
  return text;
}

std::string_view transcript_from_turns(Payload& in, const std::pmr::vector<Turn>& turns) {
  std::pmr::string text(in.memory());
  for (const Turn& turn : turns) {
    text.append(turn.role == "agent" ? "Agent: " : "User: ").append(turn.text).append("\n");
  }
  return in.copy(text);
}

VariablesJson::VariablesJson(Payload& in) : in_(in), text_(in.memory()), writer_(text_) {}

void VariablesJson::key(std::string_view name) {
  if (!any_) writer_.begin_object();
  any_ = true;
  writer_.key(name);
}

VariablesJson& VariablesJson::add(std::initializer_list<Source> sources) {
  for (const Source& source : sources) {
    auto value = in_.find(source.path);
    if (!value) continue;
    key(source.name);
    writer_.raw(in_.json(*value));
  }
  return *this;
}

VariablesJson& VariablesJson::add_json(std::string_view name, std::string_view json) {
  key(name);
  writer_.raw(json);
  return *this;
}

VariablesJson& VariablesJson::add_string(std::string_view name, std::string_view text) {
  key(name);
  writer_.string(text);
  return *this;
}

std::string_view VariablesJson::finish() {
  if (!any_) return {};
  writer_.end_object();
  return in_.copy(text_);
}

}  // namespace voxfra
