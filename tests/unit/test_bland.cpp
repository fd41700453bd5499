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

}  // namespace
}  // namespace voxfra
