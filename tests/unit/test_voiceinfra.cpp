#include <gtest/gtest.h>

#include <string>

#include "adapter_harness.h"

namespace voxfra {
namespace {

using testing::AdapterRun;
using testing::expect_rejected;
using testing::MapHeaders;
using testing::Problems;
using testing::read_fixture;
using testing::replaced;
using testing::with_string;

std::string completed() { return read_fixture("voiceinfra/call-completed.json"); }
std::string without_event(std::string body) { return replaced(std::move(body), R"("event":"call.completed",)", ""); }

TEST(VoiceInfraRegistry, VoiceInfraHasItsAdapter) {
  EXPECT_EQ(adapter_for(Provider::voiceinfra), &map_voiceinfra);
}

TEST(VoiceInfraCompleted, FieldByField) {
  AdapterRun run(map_voiceinfra, completed(), {{"X-VoiceInfra-Event", "call.completed"}});
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  const CallRecord& r = run.record();
  EXPECT_EQ(r.event, "call.completed");
  EXPECT_EQ(r.call_id, "call_9f3b2c7a4e1d");
  EXPECT_EQ(r.status, "");
  EXPECT_EQ(r.outcome, "completed") << "answered";
  EXPECT_EQ(r.ended_reason, "");
  EXPECT_EQ(r.started_at, 1772463845000);  // 2026-03-02T15:04:05Z
  EXPECT_EQ(r.ended_at, 1772463991000);
  EXPECT_EQ(r.duration_seconds, 142.0) << "duration_seconds, from answer to hang-up";
  EXPECT_EQ(r.from_number, "+14155550123");
  EXPECT_EQ(r.to_number, "+14155559876");
  EXPECT_EQ(r.direction, "");
  EXPECT_EQ(r.customer_number, "") << "no direction: which side is the customer is unknown";
  EXPECT_EQ(r.agent_id, "agt_5c2e8b1f7a3d");
  EXPECT_EQ(r.transcript,
            "Agent: Thanks for calling Bright Dental, how can I help?\nCaller: I'd like to book a cleaning next week.\n"
            "Agent: Tuesday at 10 works. Shall I book it?\nCaller: Yes please.");
  EXPECT_TRUE(r.turns.empty()) << "VoiceInfra sends text only";
  EXPECT_EQ(r.recording_url, "https://recordings.voiceinfra.ai/call_9f3b2c7a4e1d.mp3");
  EXPECT_EQ(r.summary, "Caller booked a cleaning for Tuesday at 10:00.");
  EXPECT_EQ(r.variables_json,
            R"({"extracted_data":{"lead_score":8,"appointment":"2026-03-10T10:00:00","service":"cleaning"}})");
  EXPECT_EQ(r.cost, std::nullopt);
}

TEST(VoiceInfraEvent, FromTheHeaderWhenTheBodyHasNone) {
  for (const char* name : {"X-VoiceInfra-Event", "x-voiceinfra-event"}) {
    AdapterRun run(map_voiceinfra, without_event(completed()), {{name, "call.completed"}});
    ASSERT_EQ(run.verdict(), Verdict::end_of_call) << name;
    EXPECT_EQ(run.record().event, "call.completed");
    EXPECT_EQ(run.record().call_id, "call_9f3b2c7a4e1d");
  }
  AdapterRun empty(map_voiceinfra, replaced(completed(), R"("event":"call.completed")", R"("event":"")"),
                   {{"X-VoiceInfra-Event", "call.completed"}});
  EXPECT_EQ(empty.verdict(), Verdict::end_of_call) << "an empty body event is none";
}

TEST(VoiceInfraEvent, TheBodyWinsOverTheHeader) {
  AdapterRun run(map_voiceinfra, completed(), {{"X-VoiceInfra-Event", "call.started"}});
  EXPECT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().event, "call.completed");
  AdapterRun other(map_voiceinfra, replaced(completed(), R"("event":"call.completed")", R"("event":"call.started")"),
                   {{"X-VoiceInfra-Event", "call.completed"}});
  EXPECT_EQ(other.verdict(), Verdict::ignored);
  EXPECT_EQ(other.record().event, "call.started");
}

TEST(VoiceInfraIgnored, OtherEventsNeedNoCall) {
  for (const char* event : {"call.started", "call.transferred", "test"}) {
    AdapterRun run(map_voiceinfra, std::string(R"({"event":")") + event + R"("})");
    EXPECT_EQ(run.verdict(), Verdict::ignored) << event;
    EXPECT_EQ(run.record().event, event);
    EXPECT_EQ(run.problems(), Problems{});
    AdapterRun by_header(map_voiceinfra, "{}", {{"X-VoiceInfra-Event", event}});
    EXPECT_EQ(by_header.verdict(), Verdict::ignored) << event;
    EXPECT_EQ(by_header.record().event, event);
  }
}

TEST(VoiceInfraInvalid, EventAndCallIdProblems) {
  expect_rejected(map_voiceinfra, {
      {"{}", {{"event", "is required (or the X-VoiceInfra-Event header)"}}},
      {"[]", {{"event", "is required (or the X-VoiceInfra-Event header)"}}},
      {R"({"event":3,"call_id":"c-1"})", {{"event", "must be a string"}}},
      {R"({"event":"call.completed"})", {{"call_id", "is required"}}},
      {R"({"event":"call.completed","call_id":17})", {{"call_id", "must be a string"}}},
      {R"({"event":"call.completed","call_id":""})", {{"call_id", "must not be empty"}}},
  });
  AdapterRun no_event(map_voiceinfra, without_event(completed()));
  EXPECT_EQ(no_event.verdict(), Verdict::invalid) << "no event in the body and no header";
  EXPECT_EQ(no_event.problems(), (Problems{{"event", "is required (or the X-VoiceInfra-Event header)"}}));
  AdapterRun no_id(map_voiceinfra, replaced(completed(), R"("call_id":"call_9f3b2c7a4e1d",)", ""));
  EXPECT_EQ(no_id.problems(), (Problems{{"call_id", "is required"}}));
}

TEST(VoiceInfraInvalid, WrongTypesAreAllListed) {
  std::string body = completed();
  body = replaced(body, R"("call_outcome":"answered")", R"("call_outcome":true)");
  body = replaced(body, R"("start_time":"2026-03-02T15:04:05Z")", R"("start_time":1772463845)");
  body = replaced(body, R"("duration_seconds":142)", R"("duration_seconds":"142")");
  body = replaced(body, R"("to_number":"+14155559876")", R"("to_number":{"e164":"+14155559876"})");
  body = replaced(body, R"("summary":"Caller booked a cleaning for Tuesday at 10:00.")", R"("summary":42)");
  AdapterRun run(map_voiceinfra, body);
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"call_outcome", "must be a string"},
                                      {"start_time", "must be an RFC 3339 time"},
                                      {"duration_seconds", "must be a number"},
                                      {"to_number", "must be a string"},
                                      {"summary", "must be a string"}}));
}

TEST(VoiceInfraTimes, DurationFromTheTimesWhenAbsentAndNeverNegative) {
  AdapterRun run(map_voiceinfra, replaced(completed(), R"("duration_seconds":142,)", ""));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().duration_seconds, 146.0) << "end_time - start_time";
  AdapterRun negative(map_voiceinfra, replaced(completed(), R"("duration_seconds":142)", R"("duration_seconds":-2)"));
  ASSERT_EQ(negative.verdict(), Verdict::end_of_call);
  EXPECT_EQ(negative.record().duration_seconds, 146.0) << "a negative one is no measure";
  AdapterRun offset(map_voiceinfra, replaced(completed(), R"("start_time":"2026-03-02T15:04:05Z")",
                                             R"("start_time":"2026-03-02T16:04:05.250+01:00")"));
  EXPECT_EQ(offset.record().started_at, 1772463845250) << "offsets are honoured";
}

TEST(VoiceInfraOutcome, InTheRecordsOutcomes) {
  const std::pair<const char*, const char*> cases[] = {
      {"answered", "completed"}, {"voicemail", "voicemail"}, {"failed", "failed"},
      {"no-answer", "no-answer"}, {"busy", "no-answer"},     {"transferred", "transferred"}};
  for (const auto& [sent, stored] : cases) {
    AdapterRun run(map_voiceinfra, with_string(completed(), "call_outcome", "answered", sent));
    EXPECT_EQ(run.record().outcome, stored) << sent;
  }
}

TEST(VoiceInfraVariables, TheOtherLikelyKeyAndNone) {
  AdapterRun key_data(map_voiceinfra, replaced(completed(), R"("extracted_data":)", R"("key_data":)"));
  EXPECT_EQ(key_data.record().variables_json,
            R"({"key_data":{"lead_score":8,"appointment":"2026-03-10T10:00:00","service":"cleaning"}})");
  AdapterRun none(map_voiceinfra,
                  replaced(completed(), R"(,
 "extracted_data":{"lead_score":8,"appointment":"2026-03-10T10:00:00","service":"cleaning"})",
                           ""));
  ASSERT_EQ(none.verdict(), Verdict::end_of_call);
  EXPECT_EQ(none.record().variables_json, "");
}

TEST(VoiceInfraCompleted, UnicodeInTheTranscriptSurvives) {
  const std::string text = "Agent: Bonjour, \xC3\xA7" "a va ? \xE2\x9C\xA8\nCaller: Tr\xC3\xA8s bien, merci !";
  AdapterRun run(map_voiceinfra,
                 replaced(completed(), R"("transcript":"Agent: Thanks for calling Bright Dental, how can I help?\nCaller: I'd like to book a cleaning next week.\nAgent: Tuesday at 10 works. Shall I book it?\nCaller: Yes please.")",
                          R"("transcript":"Agent: Bonjour, \u00e7a va ? \u2728\nCaller: Tr)" "\xC3\xA8" R"(s bien, merci !")"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().transcript, text);
  EXPECT_EQ(run.stored_string("/transcript"), text);
}

}  // namespace
}  // namespace voxfra
