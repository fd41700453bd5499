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
using testing::with_string;

std::string report() { return read_fixture("vapi/end-of-call-report.json"); }
std::string legacy_report() { return read_fixture("vapi/outbound-legacy.json"); }

TEST(VapiIgnored, OtherMessageTypesNeedNoCall) {
  for (const char* type : {"conversation-update", "tool-calls", "transcript", "hang", "speech-update"}) {
    AdapterRun run(map_vapi, std::string(R"({"message":{"type":")") + type + R"("}})");
    EXPECT_EQ(run.verdict(), Verdict::ignored) << type;
    EXPECT_EQ(run.record().event, type);
    EXPECT_EQ(run.problems(), Problems{});
  }
}

TEST(VapiInvalid, EnvelopeProblems) {
  expect_rejected(map_vapi, {
      {"{}", {{"message", "is required"}}},
      {"[]", {{"message", "is required"}}},
      {R"({"message":null})", {{"message", "is required"}}},
      {R"({"message":"end-of-call-report"})", {{"message", "must be an object"}}},
      {R"({"message":{}})", {{"message.type", "is required"}}},
      {R"({"message":{"type":7}})", {{"message.type", "must be a string"}}},
      {R"({"message":{"type":"end-of-call-report"}})", {{"message.call", "is required"}}},
      {R"({"message":{"type":"end-of-call-report","call":[]}})", {{"message.call", "must be an object"}}},
      {R"({"message":{"type":"end-of-call-report","call":{}}})", {{"message.call.id", "is required"}}},
      {R"({"message":{"type":"end-of-call-report","call":{"id":42}}})", {{"message.call.id", "must be a string"}}},
      {R"({"message":{"type":"end-of-call-report","call":{"id":""}}})", {{"message.call.id", "must not be empty"}}},
  });
}

TEST(VapiInvalid, MissingCallIdInAFullReport) {
  AdapterRun run(map_vapi, replaced(report(), R"("id":"0b6c1c7e-6f4e-4a5b-9c53-2a1f3c0d9e11",)", ""));
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"message.call.id", "is required"}}));
}

TEST(VapiInvalid, MinimalReportIsEnough) {
  AdapterRun run(map_vapi, R"({"message":{"type":"end-of-call-report","call":{"id":"c-1"}}})");
  EXPECT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  EXPECT_EQ(run.record_json(),
            R"({"receivedAt":"1970-01-01T00:00:00.000Z","event":"end-of-call-report","callId":"c-1"})");
}

TEST(VapiInvalid, WrongTypesAreAllListed) {
  std::string body = report();
  body = replaced(body, R"("startedAt":"2024-11-23T08:18:02.512Z")", R"("startedAt":"yesterday")");
  body = replaced(body, R"("endedAt":"2024-11-23T08:19:57.880Z")", R"("endedAt":1732349997880)");
  body = replaced(body, R"("type":"inboundPhoneCall")", R"("type":3)");
  body = replaced(body, R"("summary":"Caller asked about weather.")", R"("summary":["no"])");
  body = replaced(body, R"("cost":0.1342)", R"("cost":"cheap")");
  AdapterRun run(map_vapi, body);
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"message.startedAt", "must be an RFC 3339 time"},
                                      {"message.endedAt", "must be an RFC 3339 time"},
                                      {"message.call.type", "must be a string"},
                                      {"message.analysis.summary", "must be a string"},
                                      {"message.cost", "must be a number"}}));
}

TEST(VapiInvalid, MessagesMustBeAList) {
  std::string body = replaced(report(), R"("messages":[)", R"("messages":{"list":[)");
  body = replaced(body, R"("secondsFromStart":2.9}],)", R"("secondsFromStart":2.9}]},)");
  AdapterRun run(map_vapi, body);
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"message.artifact.messages", "must be an array"}}));
}

TEST(VapiTurns, OddMessagesArePassedOverNotRejected) {
  // Tool calls and results, system prompts, turns without text: Vapi's
  // message shapes vary, and none of them may cost the call.
  const std::string odd_messages =
      R"("messages":[{"role":"system","message":"You are helpful."},)"
      R"({"role":"tool_calls","toolCalls":[{"id":"t1"}]},)"
      R"({"role":"tool_call_result","result":"ok"},)"
      R"("not an object",)"
      R"({"role":"bot"},)"
      R"({"role":"bot","message":{"text":"odd"}},)"
      R"({"role":"assistant","message":"Kept","secondsFromStart":"1.5"},)"
      R"({"role":"user","message":"Also kept","secondsFromStart":7}],)";
  std::string body = report();
  const std::size_t start = body.find(R"("messages":[)");
  const std::size_t end = body.find("],", start) + 2;
  body.replace(start, end - start, odd_messages);
  AdapterRun run(map_vapi, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  const auto& turns = run.record().turns;
  ASSERT_EQ(turns.size(), 2u);
  EXPECT_EQ(turns[0].role, "agent");
  EXPECT_EQ(turns[0].text, "Kept");
  EXPECT_EQ(turns[0].start_seconds, std::nullopt) << "a string is no number here";
  EXPECT_EQ(turns[1].role, "user");
  EXPECT_EQ(turns[1].start_seconds, 7.0);
}

TEST(VapiEndOfCall, UnicodeAndEscapesInTheTranscriptSurvive) {
  const std::string expected =
      "Caf\xC3\xA9 \xF0\x9F\x98\x80 \"quoted\" back\\slash\ttab\nline \x01 Gr\xC3\xBC\xC3\x9F" "e \xE4\xBD\xA0\xE5\xA5\xBD";
  std::string body = replaced(report(), R"("transcript":"AI: How can I help?\nUser: What's the weather?\n")",
                              R"("transcript":"Caf\u00e9 \ud83d\ude00 \"quoted\" back\\slash\ttab\nline \u0001 )"
                              "Gr\xC3\xBC\xC3\x9F" R"(e 你好")");
  AdapterRun run(map_vapi, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().transcript, expected);
  EXPECT_EQ(run.stored_string("/transcript"), expected);
  EXPECT_NE(run.record_json().find(R"(\"quoted\" back\\slash\ttab\nline \u0001 )"), std::string::npos) << run.record_json();
}

TEST(VapiLegacy, CanonicalFieldsWinOverLegacyOnes) {
  std::string body = replaced(report(), R"("endedReason":"customer-ended-call","cost")",
                              R"("transcript":"legacy","summary":"legacy","recordingUrl":"legacy",)"
                              R"("durationSeconds":1,"messages":[],"endedReason":"customer-ended-call","cost")");
  AdapterRun run(map_vapi, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  const CallRecord& r = run.record();
  EXPECT_EQ(r.transcript, "AI: How can I help?\nUser: What's the weather?\n");
  EXPECT_EQ(r.summary, "Caller asked about weather.");
  EXPECT_EQ(r.recording_url, "https://storage.vapi.ai/0b6c1c7e-mono.wav");
  EXPECT_DOUBLE_EQ(*r.duration_seconds, 115.368);
  EXPECT_EQ(r.turns.size(), 2u);
}

TEST(VapiLegacy, TimesFallBackToTheCall) {
  std::string body = replaced(legacy_report(), R"("durationMs":154465,)", "");
  body = replaced(body, R"("type":"outboundPhoneCall",)",
                  R"("type":"outboundPhoneCall","startedAt":"2025-03-14T15:09:26.535Z","endedAt":"2025-03-14T15:12:01Z",)");
  AdapterRun run(map_vapi, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().started_at, 1741964966535);
  EXPECT_EQ(run.record().ended_at, 1741965121000);
  EXPECT_DOUBLE_EQ(*run.record().duration_seconds, 154.465);
}

TEST(VapiLegacy, MessageTimesWinOverTheCallsAndMustBeValid) {
  const std::string call_times = R"("type":"inboundPhoneCall","startedAt":"2024-11-23T08:17:59.001Z",)"
                                 R"("endedAt":"2024-11-23T08:20:01.004Z",)";
  const std::string body = replaced(report(), R"("type":"inboundPhoneCall",)", call_times);
  AdapterRun run(map_vapi, body);
  EXPECT_EQ(run.record().started_at, 1732349882512);
  EXPECT_EQ(run.record().ended_at, 1732349997880);

  AdapterRun bad(map_vapi, replaced(body, R"("startedAt":"2024-11-23T08:18:02.512Z")", R"("startedAt":"")"));
  EXPECT_EQ(bad.verdict(), Verdict::invalid) << "a bad time is not papered over by the fallback";
  EXPECT_EQ(bad.problems(), (Problems{{"message.startedAt", "must be an RFC 3339 time"}}));
}

TEST(VapiLegacy, DurationInSecondsOrMinutes) {
  {
    AdapterRun run(map_vapi, replaced(legacy_report(), R"("durationMs":154465)", R"("durationSeconds":12.5)"));
    EXPECT_EQ(run.record().duration_seconds, 12.5);
  }
  {
    AdapterRun run(map_vapi, replaced(legacy_report(), R"("durationMs":154465)", R"("durationMinutes":2.5)"));
    EXPECT_EQ(run.record().duration_seconds, 150.0);
  }
  {
    AdapterRun run(map_vapi, replaced(legacy_report(), R"("durationMs":154465,)", ""));
    EXPECT_EQ(run.record().duration_seconds, std::nullopt) << "not invented";
  }
}

TEST(VapiLegacy, TimesInTheWrongOrderGiveNoDuration) {
  std::string body = replaced(report(), R"("endedAt":"2024-11-23T08:19:57.880Z")", R"("endedAt":"2024-11-23T08:00:00Z")");
  AdapterRun run(map_vapi, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call) << "the call is kept";
  EXPECT_EQ(run.record().duration_seconds, std::nullopt);
  AdapterRun negative(map_vapi, replaced(legacy_report(), R"("durationMs":154465)", R"("durationMs":-5)"));
  EXPECT_EQ(negative.record().duration_seconds, std::nullopt);
}

TEST(VapiLegacy, RecordingFromTheRecordingObject) {
  std::string body = replaced(report(), R"("recordingUrl":"https://storage.vapi.ai/0b6c1c7e-mono.wav",)",
                              R"("recording":{"mono":{"combinedUrl":"https://storage.vapi.ai/combined.wav"}},)");
  AdapterRun run(map_vapi, body);
  EXPECT_EQ(run.record().recording_url, "https://storage.vapi.ai/combined.wav");
}

TEST(VapiDirection, OutboundSwapsFromAndTo) {
  AdapterRun run(map_vapi, replaced(report(), R"("type":"inboundPhoneCall")", R"("type":"outboundPhoneCall")"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().direction, "outbound");
  EXPECT_EQ(run.record().from_number, "+14155559876");
  EXPECT_EQ(run.record().to_number, "+14155550123");
  EXPECT_EQ(run.record().customer_number, "+14155550123");
}

TEST(VapiDirection, WebCallsHaveNoFromOrTo) {
  for (const char* type : {"webCall", "vapi.websocketCall"}) {
    AdapterRun run(map_vapi, with_string(report(), "type", "inboundPhoneCall", type));
    EXPECT_EQ(run.record().direction, "web") << type;
    EXPECT_EQ(run.record().from_number, "");
    EXPECT_EQ(run.record().to_number, "");
  }
  AdapterRun unknown(map_vapi, replaced(report(), R"("type":"inboundPhoneCall")", R"("type":"somethingNew")"));
  EXPECT_EQ(unknown.verdict(), Verdict::end_of_call);
  EXPECT_EQ(unknown.record().direction, "");
}

TEST(VapiOutcome, FromTheEndedReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"customer-ended-call", "completed"},
      {"assistant-said-end-call-phrase", "completed"},
      {"silence-timed-out", "completed"},
      {"voicemail", "voicemail"},
      {"customer-did-not-answer", "no-answer"},
      {"customer-busy", "no-answer"},
      {"twilio-failed-to-connect-call", "failed"},
      {"call.in-progress.error-vapifault-openai-llm-failed", "failed"},
      {"pipeline-error-openai-llm-failed", "failed"},
  };
  for (const auto& [reason, outcome] : cases) {
    AdapterRun run(map_vapi, replaced(report(), R"("endedReason":"customer-ended-call","cost")",
                                      std::string(R"("endedReason":")") + reason + R"(","cost")"));
    EXPECT_EQ(run.record().ended_reason, reason);
    EXPECT_EQ(run.record().outcome, outcome) << reason;
  }
}

TEST(VapiOutcome, NoReasonNoOutcome) {
  AdapterRun run(map_vapi, R"({"message":{"type":"end-of-call-report","call":{"id":"c-1","status":"ended"}}})");
  EXPECT_EQ(run.record().outcome, "");
  EXPECT_EQ(run.record().status, "ended");
}

TEST(VapiVariables, MergesWhatTheReportHolds) {
  std::string body = replaced(report(), R"("stereoRecordingUrl")",
                              R"("variableValues":{"name":"Ana","tries":2},)"
                              R"("structuredOutputs":{"o1":{"name":"booked","result":true}},"stereoRecordingUrl")");
  body = replaced(body, R"("structuredData":{"intent":"weather"})",
                  R"("structuredData":{"intent":"weather","sentiment":"positive","score":4})");
  AdapterRun run(map_vapi, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().sentiment, "positive");
  EXPECT_EQ(run.record().variables_json,
            R"({"structuredData":{"intent":"weather","sentiment":"positive","score":4},"successEvaluation":"true",)"
            R"("variableValues":{"name":"Ana","tries":2},"structuredOutputs":{"o1":{"name":"booked","result":true}}})");
}

TEST(VapiVariables, NonStringSentimentAndIntentAreNoValueAndNoProblem) {
  std::string body = replaced(report(), R"("structuredData":{"intent":"weather"},"successEvaluation":"true")",
                              R"("structuredData":{"intent":{"primary":"weather"},"sentiment":0.8},"successEvaluation":9)");
  AdapterRun run(map_vapi, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  EXPECT_EQ(run.record().intent, "");
  EXPECT_EQ(run.record().sentiment, "");
  EXPECT_EQ(run.record().variables_json,
            R"({"structuredData":{"intent":{"primary":"weather"},"sentiment":0.8},"successEvaluation":9})");
}

TEST(VapiVariables, NoneMeansNoVariables) {
  std::string body = replaced(report(), R"(,"structuredData":{"intent":"weather"},"successEvaluation":"true")", "");
  AdapterRun run(map_vapi, body);
  EXPECT_EQ(run.record().variables_json, "");
  EXPECT_EQ(run.record().intent, "");
  EXPECT_EQ(run.record_json().find("variables"), std::string::npos);
}

TEST(VapiEndOfCall, NullCountsAsAbsent) {
  std::string body = replaced(report(), R"("summary":"Caller asked about weather.")", R"("summary":null)");
  body = replaced(body, R"("cost":0.1342)", R"("cost":null)");
  AdapterRun run(map_vapi, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  EXPECT_EQ(run.record().summary, "");
  EXPECT_EQ(run.record().cost, std::nullopt) << "no costBreakdown in the fixture";
}

}  // namespace
}  // namespace voxfra
