// LiveKit: a protobuf WebhookEvent in protojson (camelCase keys, int64 values
// as strings: "createdAt":"1732350000"). docs/providers.md, "LiveKit".
//
// `room_finished` is the one end-of-call event: a room is the call. Every
// other event (room_started, participant_joined, participant_left,
// track_published, egress_ended, …) is ignored, although participant_left
// carries the SIP numbers and egress_ended the recording: they arrive as
// separate requests, in no promised order, and one call must not become
// several partial records.
//
// room_finished carries little: the room's sid (the call id), name,
// creation time and metadata, the event's id and time, and why the room
// ended. LiveKit is media infrastructure: numbers, transcript, recording,
// summary and cost live in the agent app. An app that wants them in the
// record posts them itself, from its shutdown hook, to an endpoint of the
// `custom` provider (docs/providers.md, "Custom"):
//   callId          the room sid (so that both records name the same call)
//   startedAt/endedAt or durationSeconds
//   direction, fromNumber/toNumber, customerNumber
//                   from the SIP participant's attributes: inbound calls come
//                   from attributes["sip.phoneNumber"] to
//                   attributes["sip.trunkPhoneNumber"], outbound the reverse
//   agentId, transcript and turns (the agent session's chat history),
//   recordingUrl (the egress file), summary, sentiment, intent,
//   variables, cost.
#include "providers/mapping.h"

namespace voxfra {

namespace {

constexpr std::string_view kRoomFinished = "room_finished";

// The room's start: `creationTimeMs` (epoch ms, as a string) when the server
// sends it, else `creationTime` (epoch s, as a string). A present value must
// be valid: the other one does not paper over it.
std::optional<UnixMillis> room_created(Payload& in) {
  if (in.find("room.creationTimeMs")) return in.epoch_millis("room.creationTimeMs");
  return in.epoch_seconds("room.creationTime");
}

// `room.metadata` is a free-form string the app sets, often JSON. A JSON
// object is stored as an object (and its "agent_id" or "agentId" string is
// the record's agent); anything else is stored as the string it is.
void read_room_metadata(Payload& in, CallRecord& out, VariablesJson& variables) {
  const std::string_view metadata = in.string("room.metadata").value_or("");
  if (metadata.empty()) return;
  // One parser a worker thread, reused: room_finished is rare, and what it
  // parses is copied into the payload's memory before the next parse.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element parsed;
  if (parser.parse(metadata.data(), metadata.size()).get(parsed) || !parsed.is_object()) {
    variables.add_string("roomMetadata", metadata);
    return;
  }
  variables.add_json("roomMetadata", in.json(parsed));
  Payload app(parsed, in.memory(), nullptr);  // the app's shape: its problems are dropped
  out.agent_id = in.copy(app.first_string({"agent_id", "agentId"}));
}

}  // namespace

Verdict map_livekit(Payload& in, CallRecord& out) {
  auto event = event_name(in, "event");
  if (!event) return Verdict::invalid;
  out.event = *event;
  if (*event != kRoomFinished) return Verdict::ignored;
  if (!in.object("room", Need::required)) return Verdict::invalid;
  out.call_id = required_call_id(in, "room.sid");
  out.started_at = room_created(in);
  // The event's own time is when the room finished; LiveKit always sends it.
  out.ended_at = in.epoch_seconds("createdAt", Need::required);
  out.duration_seconds = seconds_between(out.started_at, out.ended_at);
  out.ended_reason = in.string("roomEndReason").value_or("");
  VariablesJson variables(in);
  if (auto name = in.string("room.name")) variables.add_string("roomName", *name);
  if (auto id = in.string("id")) variables.add_string("eventId", *id);
  read_room_metadata(in, out, variables);
  out.variables_json = variables.finish();
  return in.has_problems() ? Verdict::invalid : Verdict::end_of_call;
}

}  // namespace voxfra
