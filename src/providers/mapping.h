// Pieces of mapping that several adapters share: the call id, times and
// durations, numbers by direction, turns and their transcript text, and the
// `variables` object. Each adapter stays one small file that says only what
// is particular to its provider.
#pragma once
#include <initializer_list>
#include <optional>
#include <string_view>

#include "providers/adapter.h"

namespace voxfra {

// The call id at `path`: required, a string, and not empty (it is the
// idempotency key: an empty one would merge unrelated calls). Empty when it
// is not valid, with the problem recorded.
std::string_view required_call_id(Payload& in, std::string_view path);

// The call id from the first of `paths` that is present (providers that
// spell it several ways); when none is, the problem is recorded on the
// first path as "is required (or …)" naming the others.
std::string_view required_call_id(Payload& in, std::initializer_list<std::string_view> paths);

// The event name at `path` (a string; "is required" when `need` says so).
// Call ids and event names go into the call's stored key: read through these
// two, a value with a control character or past its length limit
// (store/key_fields.h) is a problem on its path, whatever the provider.
std::optional<std::string_view> event_name(Payload& in, std::string_view path, Need need = Need::required);

// Seconds from `started` to `ended` when both are known and in order: a
// negative duration is no measure.
std::optional<double> seconds_between(std::optional<UnixMillis> started, std::optional<UnixMillis> ended);

// The last millisecond the record's RFC 3339 form (four year digits) holds.
constexpr double kLastRecordMillis = 253402300799999.0;

// `time` moved by `seconds` (a negative number moves it back), when both are
// known and the result is a time the record can hold.
std::optional<UnixMillis> add_seconds(std::optional<UnixMillis> time, std::optional<double> seconds);

// A duration a provider sent: a negative one is no measure.
std::optional<double> non_negative(std::optional<double> seconds);

// Whether `value` is one of `values`.
bool is_any_of(std::string_view value, std::initializer_list<std::string_view> values);

// A dial status that means nobody answered ("no-answer", "no_answer", "busy"):
// the record's outcome "no-answer".
bool means_no_answer(std::string_view status);

// Providers that name the customer's number and their own rather than the
// caller and the callee: inbound calls come from the customer, outbound
// calls from the agent's number. Without a direction, from/to stay empty.
// Sets customer_number too.
void numbers_by_direction(CallRecord& out, std::string_view customer, std::string_view agent_side);

// Providers that send from/to: the customer is the caller of an inbound
// call and the callee of an outbound one; empty without a direction.
std::string_view customer_by_direction(const CallRecord& out);

// A string inside a value whose shape the customer configures (structured
// data, analysis results): anything else there is no value and no problem.
std::string_view loose_string(const Payload& in, std::string_view path);

// Turns from the array at `path`, read leniently: `read` gets each element
// as its own Payload (whose problems are dropped) and returns a turn or
// nothing, so that a tool call or an odd element is passed over rather than
// costing the call. Only the array itself being of the wrong type is a
// problem.
template <typename Read>
void read_turns(Payload& in, std::string_view path, CallRecord& out, Read read) {
  auto items = in.array(path);
  if (!items) return;
  out.turns.reserve(items->size());
  for (simdjson::dom::element element : *items) {
    Payload item(element, in.memory(), nullptr);
    if (std::optional<Turn> turn = read(item)) out.turns.push_back(*turn);
  }
}

// "Agent: …\nUser: …\n", one line a turn, in the payload's memory: the
// transcript text of a provider that sends only turns.
std::string_view transcript_from_turns(Payload& in, const std::pmr::vector<Turn>& turns);

// Builds the record's `variables`: one member a source, named after it, in
// the order added; sources that are absent are left out.
class VariablesJson {
 public:
  struct Source {
    std::string_view name;
    std::string_view path;
  };

  explicit VariablesJson(Payload& in);

  // The value at each source's path, whatever its type, when present.
  VariablesJson& add(std::initializer_list<Source> sources);
  // A value the adapter has serialized already (valid JSON).
  VariablesJson& add_json(std::string_view name, std::string_view json);
  // A text, written as a JSON string.
  VariablesJson& add_string(std::string_view name, std::string_view text);

  // The object, in the payload's memory; empty when nothing was added.
  std::string_view finish();

 private:
  void key(std::string_view name);

  Payload& in_;
  std::pmr::string text_;
  JsonWriter writer_;
  bool any_ = false;
};

}  // namespace voxfra
