#include "providers/samples.h"

#include <charconv>
#include <stdexcept>

#include "auth/random.h"
#include "util/json_writer.h"

namespace voxfra {

namespace {

enum class CallIdShape { uuid, token };

// One provider's sample. The body is the provider's JSON with placeholders
// that sample_call() fills in:
//   ${CALL_ID}  ${EVENT_ID}                the call's id, a fresh event id
//   ${STARTED_ISO} ${STARTED_MS} ${STARTED_S}   the start as RFC 3339, epoch ms, epoch s
//   ${ENDED_ISO}   ${ENDED_MS}   ${ENDED_S}     the end, likewise
//   ${DURATION_S}  ${DURATION_MS}          the duration
// A time may carry an offset in milliseconds, ${STARTED_MS+2900}, for
// the times of transcript turns and the like.
struct SampleTemplate {
  std::string_view call_id_prefix;
  CallIdShape call_id_shape;
  std::int64_t duration_seconds;
  std::string_view content_type;
  std::string_view extra_header;        // name, or empty
  std::string_view extra_header_value;
  std::string_view body;
};

// Field names and shapes from tests/fixtures/<provider>/ (see docs/providers.md);
// the values are invented.
constexpr SampleTemplate kVapiSample{"", CallIdShape::uuid, 115, "application/json", "", "",
    R"({"message":{"type":"end-of-call-report","timestamp":${ENDED_MS+2100},)"
    R"("endedReason":"customer-ended-call","cost":0.1342,"startedAt":"${STARTED_ISO}","endedAt":"${ENDED_ISO}",)"
    R"("call":{"id":"${CALL_ID}","orgId":"4f0a2c59-8d55-4c1e-9f0b-0d6a3c2b1e77","type":"inboundPhoneCall",)"
    R"("status":"ended","endedReason":"customer-ended-call","assistantId":"6a3c1d2e-5b4f-4e8a-9c7d-1f2e3a4b5c6d",)"
    R"("phoneNumberId":"9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b","customer":{"number":"+14155550123"},)"
    R"("createdAt":"${STARTED_ISO-3500}","updatedAt":"${ENDED_ISO+3100}"},)"
    R"("phoneNumber":{"provider":"vapi","number":"+14155559876"},"customer":{"number":"+14155550123"},)"
    R"("artifact":{"transcript":"AI: Thanks for calling Voxfra, how can I help?\nUser: Just testing the webhook.\n",)"
    R"("messages":[{"role":"bot","message":"Thanks for calling Voxfra, how can I help?","time":${STARTED_MS+400},)"
    R"("endTime":${STARTED_MS+2300},"secondsFromStart":0.4},{"role":"user","message":"Just testing the webhook.",)"
    R"("time":${STARTED_MS+2900},"endTime":${STARTED_MS+4100},"secondsFromStart":2.9}],)"
    R"("recordingUrl":"https://storage.vapi.ai/${CALL_ID}-mono.wav",)"
    R"("stereoRecordingUrl":"https://storage.vapi.ai/${CALL_ID}-stereo.wav"},)"
    R"("analysis":{"summary":"The caller tested the webhook.","structuredData":{"intent":"test"},)"
    R"("successEvaluation":"true"}}})"};

constexpr SampleTemplate kRetellSample{"", CallIdShape::token, 22, "application/json", "", "",
    R"({"event":"call_analyzed","call":{"call_id":"${CALL_ID}","call_type":"phone_call",)"
    R"("agent_id":"oBeDLoLOeuAbiuaMFXRtDOLriTJ5tSxD","agent_version":3,"call_status":"ended","direction":"outbound",)"
    R"("from_number":"+14157774444","to_number":"+12137774445","start_timestamp":${STARTED_MS},)"
    R"("end_timestamp":${ENDED_MS},"duration_ms":${DURATION_MS},"disconnection_reason":"user_hangup",)"
    R"("transcript":"Agent: hi, this is a test call.\nUser: Got it, thanks.\n",)"
    R"("transcript_object":[{"role":"agent","content":"hi, this is a test call.","words":[)"
    R"({"word":"hi,","start":0.7,"end":1.0},{"word":"this","start":1.1,"end":1.3},{"word":"is","start":1.3,"end":1.4},)"
    R"({"word":"a","start":1.4,"end":1.5},{"word":"test","start":1.5,"end":1.8},{"word":"call.","start":1.8,"end":2.2}]},)"
    R"({"role":"user","content":"Got it, thanks.","words":[{"word":"Got","start":3.4,"end":3.6},)"
    R"({"word":"it,","start":3.6,"end":3.8},{"word":"thanks.","start":3.9,"end":4.3}]}],)"
    R"("recording_url":"https://retellai.s3.us-west-2.amazonaws.com/${CALL_ID}/recording.wav",)"
    R"("retell_llm_dynamic_variables":{"customer_name":"Test Caller"},"metadata":{},)"
    R"("collected_dynamic_variables":{"purpose":"webhook test"},)"
    R"("call_analysis":{"call_summary":"The agent placed a test call; the user acknowledged it.","in_voicemail":false,)"
    R"("user_sentiment":"Positive","call_successful":true,"custom_analysis_data":{"test":true}},)"
    R"("call_cost":{"combined_cost":70,"total_duration_seconds":${DURATION_S},"total_duration_unit_price":1}}})"};

constexpr SampleTemplate kBlandSample{"", CallIdShape::uuid, 45, "application/json", "", "",
    R"({"call_id":"${CALL_ID}","c_id":"${CALL_ID}","call_length":0.75,"corrected_duration":"${DURATION_S}",)"
    R"("batch_id":null,"to":"+12223334444","from":"+17163511654",)"
    R"("request_data":{"phone_number":"+12223334444","wait":true,"language":"ENG"},"completed":true,)"
    R"("status":"completed","created_at":"${STARTED_ISO-7000}","inbound":false,"queue_status":"completed",)"
    R"("endpoint_url":"api.prod.bland.ai","max_duration":30,"error_message":null,)"
    R"("variables":{"from":"+17163511654","to":"+12223334444","call_id":"${CALL_ID}"},"answered_by":"human",)"
    R"("record":true,"recording_url":"https://bland-recordings.s3.amazonaws.com/${CALL_ID}.mp3",)"
    R"("metadata":{"purpose":"webhook test"},"summary":"A test call: the assistant greeted the user, who hung up.",)"
    R"("price":0.068,"started_at":"${STARTED_ISO}","end_at":"${ENDED_ISO}","local_dialing":false,)"
    R"("call_ended_by":"USER","pathway_id":"3c8e5a7d-1b2f-4e6a-9d0c-7f4b2e1a5c93","pathway_logs":null,)"
    R"("concatenated_transcript":"user: Hello? \n assistant: Hi! This is a test call from Voxfra. \n user: Thanks, bye.",)"
    R"("transcripts":[{"id":1,"created_at":"${STARTED_ISO+1300}","text":"Hello?","user":"user","c_id":"${CALL_ID}"},)"
    R"({"id":2,"created_at":"${STARTED_ISO+2500}","text":"Hi! This is a test call from Voxfra.","user":"assistant",)"
    R"("c_id":"${CALL_ID}"},{"id":3,"created_at":"${STARTED_ISO+6200}","text":"Thanks, bye.","user":"user",)"
    R"("c_id":"${CALL_ID}"}]})"};

constexpr SampleTemplate kLiveKitSample{"RM_", CallIdShape::token, 120, "application/webhook+json", "", "",
    R"({"event":"room_finished","id":"EV_${EVENT_ID}","createdAt":"${ENDED_S}",)"
    R"("room":{"sid":"${CALL_ID}","name":"call-_+14155550123_test","emptyTimeout":300,"departureTimeout":20,)"
    R"("creationTime":"${STARTED_S}","creationTimeMs":"${STARTED_MS}",)"
    R"("metadata":"{\"agent_id\":\"support-v2\",\"purpose\":\"webhook test\"}","numParticipants":0},)"
    R"("roomEndReason":"ROOM_END_API_DELETE"})"};

constexpr SampleTemplate kElevenLabsSample{"conv_", CallIdShape::token, 119, "application/json", "", "",
    R"({"type":"post_call_transcription","event_timestamp":${ENDED_S+5000},)"
    R"("data":{"agent_id":"agent_01jx9k2m3n4p5q6r7s8t9v0w1x","conversation_id":"${CALL_ID}","status":"done",)"
    R"("user_id":null,"has_audio":true,"has_user_audio":true,"has_response_audio":true,"transcript":[)"
    R"({"role":"agent","message":"Hi, this is a test call. How can I help?","time_in_call_secs":0,"tool_calls":[],)"
    R"("tool_results":[],"interrupted":false},{"role":"user","message":"Just checking the webhook.",)"
    R"("time_in_call_secs":4,"tool_calls":[],"tool_results":[],"interrupted":false}],)"
    R"("metadata":{"start_time_unix_secs":${STARTED_S},"accepted_time_unix_secs":${STARTED_S-1000},)"
    R"("call_duration_secs":${DURATION_S},"cost":812,"cost_fiat":0.0952,)"
    R"("termination_reason":"Call ended by remote party","main_language":"en",)"
    R"("phone_call":{"type":"twilio","direction":"inbound","phone_number_id":"phnum_01jz5h7x0m2r4t6v8w0y2a4c6e",)"
    R"("agent_number":"+14155559876","external_number":"+14155550123","call_sid":"CA8d2f6c1b9e7a4d3c2b1a0f9e8d7c6b5a",)"
    R"("stream_sid":"MZ1f7e3d9c5b2a4f6e8d0c2b4a6f8e0d2c"}},)"
    R"("analysis":{"call_successful":"success","transcript_summary":"The caller checked the webhook.",)"
    R"("call_summary_title":"Webhook test","evaluation_criteria_results":{},)"
    R"("data_collection_results":{"intent":{"data_collection_id":"intent","value":"test","rationale":"A test."}}},)"
    R"("conversation_initiation_client_data":{"dynamic_variables":{"system__caller_id":"+14155550123"}}}})"};

constexpr SampleTemplate kVoiceInfraSample{"call_", CallIdShape::token, 146, "application/json", "X-VoiceInfra-Event",
     "call.completed",
    R"({"call_id":"${CALL_ID}","event":"call.completed","from_number":"+14155550123","to_number":"+14155559876",)"
    R"("agent_id":"agt_5c2e8b1f7a3d","duration_seconds":${DURATION_S},"start_time":"${STARTED_ISO}",)"
    R"("end_time":"${ENDED_ISO}","call_outcome":"answered",)"
    R"("recording_url":"https://recordings.voiceinfra.ai/${CALL_ID}.mp3",)"
    R"("transcript":"Agent: Thanks for calling, how can I help?\nCaller: This is a webhook test.",)"
    R"("summary":"The caller tested the webhook.","extracted_data":{"lead_score":8,"service":"test"}})"};

constexpr SampleTemplate kVoxpriaSample{"call_", CallIdShape::token, 127, "application/json", "", "",
    R"({"event":"call.completed","timestamp":"${ENDED_ISO}","data":{"callId":"${CALL_ID}","status":"completed",)"
    R"("duration":${DURATION_S},"toNumber":"+14155551234","recording":"https://cdn.voxpria.com/recordings/${CALL_ID}.mp3",)"
    R"("transcript":"AI: Hello, this is Ava calling to test your webhook.\nCustomer: It works.",)"
    R"("summary":"The customer confirmed the webhook works.","variables":{"first_name":"Dana"}}})"};

constexpr SampleTemplate kCustomSample{"test-", CallIdShape::token, 154, "application/json", "", "",
    R"({"event":"call.ended","callId":"${CALL_ID}","status":"ended","outcome":"completed",)"
    R"("endedReason":"caller-hung-up","startedAt":"${STARTED_ISO}","endedAt":"${ENDED_ISO}",)"
    R"("durationSeconds":${DURATION_S},"fromNumber":"+4930901820","toNumber":"+4930555000",)"
    R"("customerNumber":"+4930901820","direction":"inbound","agentId":"front-desk-v3",)"
    R"("transcript":"Agent: Good morning.\nUser: This is a webhook test.\n",)"
    R"("turns":[{"role":"agent","text":"Good morning.","startSeconds":0.4},)"
    R"({"role":"user","text":"This is a webhook test.","startSeconds":3.1}],)"
    R"("recordingUrl":"https://recordings.example.com/${CALL_ID}.wav","summary":"A webhook test call.",)"
    R"("sentiment":"positive","intent":"test","variables":{"purpose":"webhook test"},"cost":0.0731})"};

// Each provider's sample, as the provider table (base/provider.h) names it.
const SampleTemplate& sample_template(Provider p) {
  switch (p) {
#define VOXFRA_SAMPLE_CASE(name, code, adapter, scheme, sample) \
  case Provider::name: return sample;
    VOXFRA_PROVIDERS(VOXFRA_SAMPLE_CASE)
#undef VOXFRA_SAMPLE_CASE
  }
  throw std::logic_error("not a provider");
}

// 16 random bytes as an RFC 4122 version 4 UUID.
std::string random_uuid() {
  std::string hex = random_hex(16);
  hex[12] = '4';
  hex[16] = "89ab"[hex[16] % 4];
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' + hex.substr(16, 4) + '-' +
         hex.substr(20);
}

struct SampleTimes {
  UnixMillis started;
  UnixMillis ended;
};

// The text of one placeholder, e.g. "STARTED_MS+400".
std::string expand(std::string_view placeholder, const SampleTimes& times, std::string_view call_id,
                   std::string_view event_id) {
  if (placeholder == "CALL_ID") {
    std::pmr::string escaped;
    append_json_escaped(escaped, call_id);
    return std::string(escaped);
  }
  if (placeholder == "EVENT_ID") return std::string(event_id);
  if (placeholder == "DURATION_S") return std::to_string((times.ended - times.started) / 1000);
  if (placeholder == "DURATION_MS") return std::to_string(times.ended - times.started);

  std::int64_t offset_ms = 0;
  if (std::size_t sign = placeholder.find_first_of("+-"); sign != std::string_view::npos) {
    std::string_view digits = placeholder.substr(sign + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset_ms);
    if (ec != std::errc() || end != digits.data() + digits.size()) {
      throw std::logic_error("bad sample placeholder offset: " + std::string(placeholder));
    }
    if (placeholder[sign] == '-') offset_ms = -offset_ms;
    placeholder = placeholder.substr(0, sign);
  }
  const std::size_t underscore = placeholder.find('_');
  const std::string_view which = placeholder.substr(0, underscore);
  const std::string_view unit = underscore == std::string_view::npos ? "" : placeholder.substr(underscore + 1);
  UnixMillis t = 0;
  if (which == "STARTED") {
    t = times.started + offset_ms;
  } else if (which == "ENDED") {
    t = times.ended + offset_ms;
  } else {
    throw std::logic_error("unknown sample placeholder: " + std::string(placeholder));
  }
  if (unit == "ISO") return format_rfc3339(t);
  if (unit == "MS") return std::to_string(t);
  if (unit == "S") return std::to_string(t / 1000);
  throw std::logic_error("unknown sample placeholder unit: " + std::string(placeholder));
}

std::string fill(std::string_view body, const SampleTimes& times, std::string_view call_id,
                 std::string_view event_id) {
  std::string out;
  out.reserve(body.size() + 256);
  for (std::size_t at = 0; at < body.size();) {
    const std::size_t open = body.find("${", at);
    if (open == std::string_view::npos) {
      out.append(body.substr(at));
      break;
    }
    const std::size_t close = body.find('}', open);
    if (close == std::string_view::npos) throw std::logic_error("unterminated sample placeholder");
    out.append(body.substr(at, open - at));
    out += expand(body.substr(open + 2, close - open - 2), times, call_id, event_id);
    at = close + 1;
  }
  return out;
}

}  // namespace

std::string sample_call_id(Provider p) {
  const SampleTemplate& t = sample_template(p);
  return std::string(t.call_id_prefix) + (t.call_id_shape == CallIdShape::uuid ? random_uuid() : random_hex(12));
}

SampleCall sample_call(Provider p, std::string_view call_id, UnixMillis ended_at) {
  const SampleTemplate& t = sample_template(p);
  // Whole seconds: providers that send epoch seconds cannot say more, and
  // every form of a time in one body should agree.
  const UnixMillis ended = ended_at / 1000 * 1000;
  const SampleTimes times{ended - t.duration_seconds * 1000, ended};
  SampleCall call;
  call.call_id = std::string(call_id);
  call.content_type = std::string(t.content_type);
  if (!t.extra_header.empty()) call.headers.emplace_back(t.extra_header, t.extra_header_value);
  call.body = fill(t.body, times, call_id, random_hex(6));
  return call;
}

}  // namespace voxfra
