#include <gtest/gtest.h>

#include <memory_resource>
#include <string>

#include "record/call_record.h"

namespace voxfra {
namespace {

std::string record_json(const RecordContext& context, const CallRecord& record) {
  std::pmr::string out;
  JsonWriter w(out);
  write_call_record(w, context, record);
  return std::string(out);
}

TEST(CallRecordJson, EveryFieldInContractOrder) {
  std::pmr::monotonic_buffer_resource arena;
  RecordContext context{"req-1", 1732350001000, "acme", "dental", "ep_7", "vapi"};
  CallRecord r(&arena);
  r.event = "end-of-call-report";
  r.call_id = "call-1";
  r.status = "ended";
  r.outcome = "completed";
  r.ended_reason = "customer-ended-call";
  r.started_at = 1732349882512;
  r.ended_at = 1732349997880;
  r.duration_seconds = 115.368;
  r.from_number = "+14155550123";
  r.to_number = "+14155559876";
  r.customer_number = "+14155550123";
  r.direction = "inbound";
  r.agent_id = "asst-1";
  r.transcript = "AI: Hi\nUser: \"Hey\"";
  r.turns.push_back({"agent", "Hi", 0.4});
  r.turns.push_back({"user", "\"Hey\"", std::nullopt});
  r.recording_url = "https://r.example/1.wav";
  r.summary = "Greeting.";
  r.sentiment = "positive";
  r.intent = "greet";
  r.variables_json = R"({"a":[1,2]})";
  r.cost = 0.1342;

  EXPECT_EQ(record_json(context, r),
            R"({"requestId":"req-1","receivedAt":"2024-11-23T08:20:01.000Z","org":"acme","client":"dental",)"
            R"("endpoint":"ep_7","provider":"vapi","event":"end-of-call-report","callId":"call-1",)"
            R"("status":"ended","outcome":"completed","endedReason":"customer-ended-call",)"
            R"("startedAt":"2024-11-23T08:18:02.512Z","endedAt":"2024-11-23T08:19:57.880Z",)"
            R"("durationSeconds":115.368,"fromNumber":"+14155550123","toNumber":"+14155559876",)"
            R"("customerNumber":"+14155550123","direction":"inbound","agentId":"asst-1",)"
            R"("transcript":"AI: Hi\nUser: \"Hey\"",)"
            R"("turns":[{"role":"agent","text":"Hi","startSeconds":0.4},{"role":"user","text":"\"Hey\""}],)"
            R"("recordingUrl":"https://r.example/1.wav","summary":"Greeting.","sentiment":"positive",)"
            R"("intent":"greet","variables":{"a":[1,2]},"cost":0.1342})");
}

TEST(CallRecordJson, AbsentFieldsAreLeftOut) {
  std::pmr::monotonic_buffer_resource arena;
  RecordContext context;
  context.received_at = 0;
  context.provider = "custom";
  CallRecord r(&arena);
  r.event = "call.ended";
  r.call_id = "c";
  r.duration_seconds = 0.0;  // present though zero
  r.cost = 0.0;
  EXPECT_EQ(record_json(context, r),
            R"({"receivedAt":"1970-01-01T00:00:00.000Z","provider":"custom","event":"call.ended",)"
            R"("callId":"c","durationSeconds":0,"cost":0})");
}

}  // namespace
}  // namespace voxfra
