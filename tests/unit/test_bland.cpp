#include <gtest/gtest.h>

#include <string>

#include "adapter_harness.h"

namespace voxfra {
namespace {

using testing::AdapterRun;
using testing::expect_rejected;
using testing::Problems;
using testing::read_fixture;
using testing::replaced;

std::string completed_call() { return read_fixture("bland/call-completed.json"); }
std::string voicemail_call() { return read_fixture("bland/call-voicemail.json"); }

TEST(BlandRegistry, BlandHasItsAdapter) {
  EXPECT_EQ(adapter_for(Provider::bland), &map_bland);
}

TEST(BlandEndOfCall, CompletedCallFieldByField) {
  AdapterRun run(map_bland, completed_call());
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  const CallRecord& r = run.record();
  EXPECT_EQ(r.event, "call.ended") << "Bland sends no event: the record says what it is";
  EXPECT_EQ(r.call_id, "d9cce3f3-23cf-4fa7-b62c-8be8119b8715");
  EXPECT_EQ(r.status, "completed");
  EXPECT_EQ(r.outcome, "completed");
  EXPECT_EQ(r.ended_reason, "ASSISTANT") << "call_ended_by";
  EXPECT_EQ(r.started_at, 1714261885000);  // 2024-04-27T23:51:25+00:00
  ASSERT_TRUE(r.duration_seconds);
  EXPECT_DOUBLE_EQ(*r.duration_seconds, 45.0) << "corrected_duration, seconds sent as a string";
  EXPECT_EQ(r.ended_at, 1714261885000 + 45000) << "the start plus the duration";
  EXPECT_EQ(r.direction, "outbound") << "inbound: false";
  EXPECT_EQ(r.from_number, "+17163511654");
  EXPECT_EQ(r.to_number, "+12223334444");
  EXPECT_EQ(r.customer_number, "+12223334444");
  EXPECT_EQ(r.agent_id, "3c8e5a7d-1b2f-4e6a-9d0c-7f4b2e1a5c93") << "the pathway";
  EXPECT_EQ(r.transcript,
            "user: Hello? \n assistant: Hi there! This is Maya from Seaside Hotels. Would you like to book your stay "
            "again? \n user: Yes, May third please.");
  ASSERT_EQ(r.turns.size(), 3u) << "the agent-action is no turn";
  EXPECT_EQ(r.turns[0].role, "user");
  EXPECT_EQ(r.turns[0].text, "Hello?");
  EXPECT_EQ(r.turns[0].start_seconds, 1.287) << "created_at less started_at";
  EXPECT_EQ(r.turns[1].role, "agent") << "assistant";
  EXPECT_EQ(r.turns[1].text, "Hi there! This is Maya from Seaside Hotels. Would you like to book your stay again?");
  EXPECT_EQ(r.turns[1].start_seconds, 2.501);
  EXPECT_EQ(r.turns[2].role, "user");
  EXPECT_EQ(r.turns[2].text, "Yes, May third please.");
  EXPECT_EQ(r.turns[2].start_seconds, 15.75);
  EXPECT_EQ(r.recording_url, "https://bland-recordings.s3.amazonaws.com/d9cce3f3-23cf-4fa7-b62c-8be8119b8715.mp3");
  EXPECT_EQ(r.summary,
            "The call was a conversation between a hotel booking service assistant and a customer, who booked a room "
            "for May 3.");
  EXPECT_EQ(r.sentiment, "positive") << "from the analysis schema's answer";
  EXPECT_EQ(r.intent, "booking");
  EXPECT_EQ(r.variables_json,
            R"({"variables":{"from":"+17163511654","to":"+12223334444",)"
            R"("call_id":"d9cce3f3-23cf-4fa7-b62c-8be8119b8715","guest_name":"Priya"},)"
            R"("analysis":{"sentiment":"positive","intent":"booking","booked":true},)"
            R"("metadata":{"campaign":"spring-rebooking"}})");
  EXPECT_EQ(r.cost, 0.068);
}

TEST(BlandEndOfCall, BecomesTheUnifiedRecord) {
  AdapterRun run(map_bland, voicemail_call());
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record_json(),
            R"({"receivedAt":"1970-01-01T00:00:00.000Z","event":"call.ended",)"
            R"("callId":"5b0e3c71-8a2d-4f9e-b6c4-0d7a1e2f3b58","status":"completed","outcome":"voicemail",)"
            R"("endedReason":"ASSISTANT","startedAt":"2024-04-28T09:02:16.000Z",)"
            R"("endedAt":"2024-04-28T09:02:38.000Z","durationSeconds":22,)"
            R"("fromNumber":"+17163511654","toNumber":"+13105550142","customerNumber":"+13105550142",)"
            R"("direction":"outbound",)"
            R"("transcript":"assistant: Hi, it's Maya from Seaside Hotels, please call us back.",)"
            R"("turns":[{"role":"agent","text":"Hi, it's Maya from Seaside Hotels, please call us back.",)"
            R"("startSeconds":14.118}],)"
            R"("summary":"The call reached voicemail and the assistant left a message.",)"
            R"("variables":{"variables":{"from":"+17163511654","to":"+13105550142",)"
            R"("call_id":"5b0e3c71-8a2d-4f9e-b6c4-0d7a1e2f3b58"},"metadata":{}},)"
            R"("cost":0.033})");
}

TEST(BlandTimes, EndAtIsOnlyAFallback) {
  // The voicemail call's end_at is started_at + max_duration (30 min), the
  // ambiguity docs/providers.md ("Bland") warns of: the duration decides the end.
  AdapterRun run(map_bland, voicemail_call());
  EXPECT_EQ(run.record().ended_at, 1714294936000 + 22000);
  EXPECT_NE(run.record().ended_at, 1714296736000);

  std::string body = replaced(voicemail_call(), R"("call_length":0.3666666666666667,"corrected_duration":"22",)", "");
  AdapterRun fallback(map_bland, body);
  ASSERT_EQ(fallback.verdict(), Verdict::end_of_call);
  EXPECT_EQ(fallback.record().ended_at, 1714296736000) << "no duration: end_at it is";
  EXPECT_EQ(fallback.record().duration_seconds, 1800.0) << "and the duration follows from it";
}

TEST(BlandTimes, CallLengthIsInMinutes) {
  AdapterRun run(map_bland, replaced(completed_call(), R"("corrected_duration":"45",)", ""));
  ASSERT_TRUE(run.record().duration_seconds);
  EXPECT_DOUBLE_EQ(*run.record().duration_seconds, 45.0) << "0.75 min";
  EXPECT_EQ(run.record().ended_at, 1714261885000 + 45000);
}

TEST(BlandTimes, CorrectedDurationAsANumberOrAFraction) {
  {
    AdapterRun run(map_bland, replaced(completed_call(), R"("corrected_duration":"45")", R"("corrected_duration":46)"));
    EXPECT_EQ(run.record().duration_seconds, 46.0);
  }
  {
    AdapterRun run(map_bland, replaced(completed_call(), R"("corrected_duration":"45")", R"("corrected_duration":"45.5")"));
    EXPECT_EQ(run.record().duration_seconds, 45.5);
    EXPECT_EQ(run.record().ended_at, 1714261885000 + 45500);
  }
  {
    AdapterRun run(map_bland, replaced(completed_call(), R"("corrected_duration":"45")", R"("corrected_duration":"-3")"));
    ASSERT_EQ(run.verdict(), Verdict::end_of_call) << "the call is kept";
    EXPECT_EQ(run.record().duration_seconds, 45.0) << "a negative duration is no measure: call_length then";
  }
  {
    std::string body = replaced(completed_call(), R"("corrected_duration":"45")", R"("corrected_duration":"-3")");
    AdapterRun run(map_bland, replaced(body, R"("call_length":0.75)", R"("call_length":-1)"));
    ASSERT_EQ(run.verdict(), Verdict::end_of_call);
    EXPECT_EQ(run.record().ended_at, 1714261930000) << "neither measures: end_at";
    EXPECT_EQ(run.record().duration_seconds, 45.0) << "and the duration from it";
  }
}

TEST(BlandTimes, NoStartNoTurnTimes) {
  AdapterRun run(map_bland, replaced(completed_call(), R"("started_at":"2024-04-27T23:51:25+00:00",)", ""));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().started_at, std::nullopt);
  EXPECT_EQ(run.record().ended_at, 1714261930000) << "end_at";
  EXPECT_EQ(run.record().duration_seconds, 45.0);
  ASSERT_EQ(run.record().turns.size(), 3u);
  EXPECT_EQ(run.record().turns[0].start_seconds, std::nullopt);
}

TEST(BlandIgnored, AStreamedEventIsNotACall) {
  AdapterRun run(map_bland, read_fixture("bland/call-update.json"));
  EXPECT_EQ(run.verdict(), Verdict::ignored);
  EXPECT_EQ(run.record().event, "call.update");
  EXPECT_EQ(run.problems(), Problems{});
  EXPECT_EQ(run.record().call_id, "");
}

TEST(BlandDiscriminator, CompletedOrStatusMakesAReport) {
  for (const char* members : {R"("completed":true)", R"("completed":false)", R"("status":"completed")",
                              R"("status":"failed")"}) {
    AdapterRun run(map_bland, std::string(R"({"call_id":"c-1",)") + members + "}");
    EXPECT_EQ(run.verdict(), Verdict::end_of_call) << members;
    EXPECT_EQ(run.record().call_id, "c-1");
    EXPECT_EQ(run.record().event, "call.ended");
  }
  AdapterRun neither(map_bland, R"({"call_id":"c-1","queue_status":"completed"})");
  EXPECT_EQ(neither.verdict(), Verdict::ignored);
}

TEST(BlandCallId, COldSpellingIsAccepted) {
  AdapterRun run(map_bland, replaced(completed_call(), R"({"call_id":"d9cce3f3-23cf-4fa7-b62c-8be8119b8715",)", "{"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().call_id, "d9cce3f3-23cf-4fa7-b62c-8be8119b8715");
  AdapterRun both(map_bland, R"({"call_id":"new","c_id":"old","completed":true})");
  EXPECT_EQ(both.record().call_id, "new");
}

TEST(BlandInvalid, CallIdProblems) {
  expect_rejected(map_bland, {
      {"{}", {{"call_id", "is required (or c_id)"}}},
      {"[]", {{"call_id", "is required (or c_id)"}}},
      {R"({"completed":true,"status":"completed"})", {{"call_id", "is required (or c_id)"}}},
      {R"({"call_id":null,"c_id":null,"completed":true})", {{"call_id", "is required (or c_id)"}}},
      {R"({"call_id":123,"completed":true})", {{"call_id", "must be a string"}}},
      {R"({"c_id":["x"],"completed":true})", {{"c_id", "must be a string"}}},
      {R"({"call_id":"","completed":true})", {{"call_id", "must not be empty"}}},
      {R"({"call_id":"c-1","completed":"yes"})", {{"completed", "must be a boolean"}}},
      {R"({"call_id":"c-1","status":200})", {{"status", "must be a string"}}},
  });
}

TEST(BlandInvalid, MissingCallIdInAFullReport) {
  std::string body = replaced(completed_call(), R"({"call_id":"d9cce3f3-23cf-4fa7-b62c-8be8119b8715",)", "{");
  body = replaced(body, R"("c_id":"d9cce3f3-23cf-4fa7-b62c-8be8119b8715",)", "");
  AdapterRun run(map_bland, body);
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"call_id", "is required (or c_id)"}}));
}

TEST(BlandInvalid, WrongTypesAreAllListed) {
  std::string body = completed_call();
  body = replaced(body, R"("started_at":"2024-04-27T23:51:25+00:00")", R"("started_at":1714261885)");
  body = replaced(body, R"("end_at":"2024-04-27T23:52:10+00:00")", R"("end_at":"soon")");
  body = replaced(body, R"("corrected_duration":"45")", R"("corrected_duration":"45s")");
  body = replaced(body, R"("inbound":false)", R"("inbound":"false")");
  body = replaced(body, R"("to":"+12223334444","from")", R"("to":12223334444,"from")");
  body = replaced(body, R"("price":0.068)", R"("price":"$0.07")");
  AdapterRun run(map_bland, body);
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"started_at", "must be an RFC 3339 time"},
                                      {"end_at", "must be an RFC 3339 time"},
                                      {"corrected_duration", "must be a number"},
                                      {"inbound", "must be a boolean"},
                                      {"to", "must be a string"},
                                      {"price", "must be a number"}}));
}

TEST(BlandDirection, InboundCustomerIsTheCaller) {
  AdapterRun run(map_bland, replaced(completed_call(), R"("inbound":false)", R"("inbound":true)"));
  EXPECT_EQ(run.record().direction, "inbound");
  EXPECT_EQ(run.record().from_number, "+17163511654");
  EXPECT_EQ(run.record().to_number, "+12223334444");
  EXPECT_EQ(run.record().customer_number, "+17163511654");
  AdapterRun unknown(map_bland, replaced(completed_call(), R"("inbound":false,)", ""));
  EXPECT_EQ(unknown.record().direction, "");
  EXPECT_EQ(unknown.record().customer_number, "");
}

TEST(BlandOutcome, FromAnsweredByStatusAndErrors) {
  struct Case {
    const char* from;
    const char* to;
    const char* outcome;
  };
  const Case cases[] = {
      {R"("answered_by":"human")", R"("answered_by":"voicemail")", "voicemail"},
      {R"("answered_by":"human")", R"("answered_by":"no-answer")", "no-answer"},
      {R"("completed":true,"status":"completed")", R"("completed":false,"status":"busy")", "no-answer"},
      {R"("completed":true,"status":"completed")", R"("completed":false,"status":"no-answer")", "no-answer"},
      {R"("completed":true,"status":"completed")", R"("completed":false,"status":"failed")", "failed"},
      {R"("queue_status":"completed")", R"("queue_status":"call_error")", "failed"},
      {R"("answered_by":"human")", R"("answered_by":"unknown")", "completed"},
  };
  for (const Case& c : cases) {
    AdapterRun run(map_bland, replaced(completed_call(), c.from, c.to));
    EXPECT_EQ(run.record().outcome, c.outcome) << c.to;
  }
  AdapterRun error(map_bland, replaced(completed_call(), R"("error_message":null)",
                                       R"("error_message":"Twilio error 13227: no international permission")"));
  EXPECT_EQ(error.record().outcome, "failed");
  EXPECT_EQ(error.record().ended_reason, "Twilio error 13227: no international permission") << "wins over ended-by";

  AdapterRun bare(map_bland, R"({"call_id":"c-1","completed":false})");
  EXPECT_EQ(bare.record().outcome, "") << "nothing says how it went";
}

TEST(BlandTurns, OddTranscriptsArePassedOver) {
  const std::string odd =
      R"("transcripts":[{"id":1,"created_at":"2024-04-27T23:51:26+00:00","text":"Hi","user":"robot"},)"
      R"({"id":2,"created_at":"not a time","text":"Kept, no time","user":"user"},)"
      R"({"id":3,"created_at":"2024-04-27T23:51:20+00:00","text":"Before the start","user":"assistant"},)"
      R"({"id":4,"text":"Transferring","user":"agent-action"},)"
      R"({"id":5,"user":"user"},)"
      R"({"id":6,"text":"Who?","user":"system"},)"
      R"(null]})";
  std::string body = completed_call();
  body.replace(body.find(R"("transcripts":[)"), std::string::npos, odd);
  AdapterRun run(map_bland, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  const auto& turns = run.record().turns;
  ASSERT_EQ(turns.size(), 3u);
  EXPECT_EQ(turns[0].role, "agent") << "robot";
  EXPECT_EQ(turns[0].start_seconds, 1.0);
  EXPECT_EQ(turns[1].text, "Kept, no time");
  EXPECT_EQ(turns[1].start_seconds, std::nullopt);
  EXPECT_EQ(turns[2].text, "Before the start");
  EXPECT_EQ(turns[2].start_seconds, std::nullopt) << "no negative start";
}

TEST(BlandEndOfCall, UnicodeInTheTranscriptSurvives) {
  const std::string text = "Gr\xC3\xBC\xC3\x9F" "e aus M\xC3\xBCnchen \xE2\x80\x94 \xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x8F\xA8";
  std::string body = replaced(completed_call(), R"("text":"Hello?")",
                              R"("text":"Gr\u00fc\u00dfe aus M)" "\xC3\xBC" R"(nchen \u2014 你好 \ud83c\udfe8")");
  AdapterRun run(map_bland, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().turns[0].text, text);
  EXPECT_EQ(run.stored_string("/turns/0/text"), text);
}

TEST(BlandEndOfCall, NullsCountAsAbsent) {
  AdapterRun run(map_bland, voicemail_call());
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  EXPECT_EQ(run.record().recording_url, "") << "recording_url: null";
  EXPECT_EQ(run.record().agent_id, "");
  EXPECT_EQ(run.record().sentiment, "") << "analysis: null";
}

}  // namespace
}  // namespace voxfra
