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

std::string analyzed() { return read_fixture("retell/call_analyzed.json"); }
std::string ended() { return read_fixture("retell/call_ended.json"); }

TEST(RetellRegistry, RetellHasItsAdapter) {
  EXPECT_EQ(adapter_for(Provider::retell), &map_retell);
}

TEST(RetellIgnored, OtherEventsNeedNoCall) {
  for (const char* event : {"transcript_updated", "transfer_started", "transfer_bridged", "transfer_cancelled",
                            "transfer_ended", "call_ended_v2"}) {
    AdapterRun run(map_retell, std::string(R"({"event":")") + event + R"("})");
    EXPECT_EQ(run.verdict(), Verdict::ignored) << event;
    EXPECT_EQ(run.record().event, event);
    EXPECT_EQ(run.problems(), Problems{});
  }
}

TEST(RetellInvalid, EnvelopeProblems) {
  expect_rejected(map_retell, {
      {"{}", {{"event", "is required"}}},
      {"[]", {{"event", "is required"}}},
      {R"({"event":null})", {{"event", "is required"}}},
      {R"({"event":["call_ended"]})", {{"event", "must be a string"}}},
      {R"({"event":"call_ended"})", {{"call", "is required"}}},
      {R"({"event":"call_analyzed","call":"Jabr9"})", {{"call", "must be an object"}}},
      {R"({"event":"call_ended","call":{}})", {{"call.call_id", "is required"}}},
      {R"({"event":"call_ended","call":{"call_id":7}})", {{"call.call_id", "must be a string"}}},
      {R"({"event":"call_analyzed","call":{"call_id":""}})", {{"call.call_id", "must not be empty"}}},
  });
}

TEST(RetellInvalid, MissingCallIdInAFullReport) {
  for (const std::string& body : {analyzed(), ended()}) {
    AdapterRun run(map_retell, replaced(body, R"("call_id":"Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6",)", ""));
    EXPECT_EQ(run.verdict(), Verdict::invalid);
    EXPECT_EQ(run.problems(), (Problems{{"call.call_id", "is required"}}));
  }
}

TEST(RetellInvalid, MinimalReportIsEnough) {
  AdapterRun run(map_retell, R"({"event":"call_ended","call":{"call_id":"c-1"}})");
  EXPECT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  EXPECT_EQ(run.record_json(), R"({"receivedAt":"1970-01-01T00:00:00.000Z","event":"call_ended","callId":"c-1"})");
}

TEST(RetellInvalid, WrongTypesAreAllListed) {
  std::string body = analyzed();
  body = replaced(body, R"("start_timestamp":1703302407333)", R"("start_timestamp":"2023-12-23T03:33:27Z")");
  body = replaced(body, R"("end_timestamp":1703302428855)", R"("end_timestamp":-1)");
  body = replaced(body, R"("duration_ms":21522)", R"("duration_ms":"long")");
  body = replaced(body, R"("from_number":"+14157774444")", R"("from_number":14157774444)");
  body = replaced(body, R"("in_voicemail":false)", R"("in_voicemail":"no")");
  body = replaced(body, R"("user_sentiment":"Positive")", R"("user_sentiment":1)");
  body = replaced(body, R"("combined_cost":70)", R"("combined_cost":"70c")");
  AdapterRun run(map_retell, body);
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"call.call_analysis.in_voicemail", "must be a boolean"},
                                      {"call.start_timestamp", "must be an epoch time"},
                                      {"call.end_timestamp", "must be an epoch time"},
                                      {"call.duration_ms", "must be a number"},
                                      {"call.from_number", "must be a string"},
                                      {"call.call_analysis.user_sentiment", "must be a string"},
                                      {"call.call_cost.combined_cost", "must be a number"}}));
}

TEST(RetellTimes, EpochMillisecondsAsStringsAreAccepted) {
  std::string body = replaced(ended(), R"("start_timestamp":1703302407333)", R"("start_timestamp":"1703302407333")");
  body = replaced(body, R"("end_timestamp":1703302428855,"duration_ms":21522,)", R"("end_timestamp":"1703302428855",)");
  AdapterRun run(map_retell, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().started_at, 1703302407333);
  EXPECT_EQ(run.record().ended_at, 1703302428855);
  ASSERT_TRUE(run.record().duration_seconds);
  EXPECT_DOUBLE_EQ(*run.record().duration_seconds, 21.522) << "from the times when duration_ms is absent";
}

TEST(RetellTimes, DurationMsWinsAndANegativeOneIsNoMeasure) {
  {
    AdapterRun run(map_retell, replaced(ended(), R"("duration_ms":21522)", R"("duration_ms":20000)"));
    EXPECT_EQ(run.record().duration_seconds, 20.0) << "Retell's own measure is kept";
  }
  {
    AdapterRun run(map_retell, replaced(ended(), R"("duration_ms":21522)", R"("duration_ms":-5)"));
    ASSERT_EQ(run.verdict(), Verdict::end_of_call) << "the call is kept";
    EXPECT_EQ(run.record().duration_seconds, std::nullopt);
  }
  {
    std::string body = replaced(ended(), R"("duration_ms":21522,)", "");
    body = replaced(body, R"("end_timestamp":1703302428855)", R"("end_timestamp":1703302400000)");
    AdapterRun run(map_retell, body);
    EXPECT_EQ(run.record().duration_seconds, std::nullopt) << "an end before the start";
  }
}

TEST(RetellDirection, InboundCustomerIsTheCaller) {
  AdapterRun run(map_retell, replaced(analyzed(), R"("direction":"outbound")", R"("direction":"inbound")"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().direction, "inbound");
  EXPECT_EQ(run.record().from_number, "+14157774444") << "Retell names from and to itself";
  EXPECT_EQ(run.record().to_number, "+12137774445");
  EXPECT_EQ(run.record().customer_number, "+14157774444");
}

TEST(RetellDirection, WebCallsAreWebAndHaveNoNumbers) {
  std::string body = replaced(analyzed(), R"("call_type":"phone_call")", R"("call_type":"web_call")");
  body = replaced(body, R"("direction":"outbound",)", "");
  body = replaced(body, R"("from_number":"+14157774444","to_number":"+12137774445",)", "");
  AdapterRun run(map_retell, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().direction, "web");
  EXPECT_EQ(run.record().from_number, "");
  EXPECT_EQ(run.record().customer_number, "");
}

TEST(RetellDirection, NoDirectionNoCustomer) {
  AdapterRun run(map_retell, replaced(analyzed(), R"("direction":"outbound",)", ""));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().direction, "");
  EXPECT_EQ(run.record().from_number, "+14157774444");
  EXPECT_EQ(run.record().customer_number, "") << "which side is the customer is unknown";
}

TEST(RetellOutcome, FromTheDisconnectionReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"user_hangup", "completed"},
      {"agent_hangup", "completed"},
      {"call_transfer", "completed"},
      {"inactivity", "completed"},
      {"max_duration_reached", "completed"},
      {"voicemail_reached", "voicemail"},
      {"machine_detected", "voicemail"},
      {"dial_no_answer", "no-answer"},
      {"dial_busy", "no-answer"},
      {"user_declined", "no-answer"},
      {"dial_failed", "failed"},
      {"error_llm_websocket_open", "failed"},
      {"error_unknown", "failed"},
      {"invalid_destination", "failed"},
      {"telephony_provider_unavailable", "failed"},
      {"sip_routing_error", "failed"},
      {"concurrency_limit_reached", "failed"},
  };
  for (const auto& [reason, outcome] : cases) {
    AdapterRun run(map_retell, with_string(ended(), "disconnection_reason", "user_hangup", reason));
    EXPECT_EQ(run.record().ended_reason, reason);
    EXPECT_EQ(run.record().outcome, outcome) << reason;
  }
}

TEST(RetellOutcome, TheAnalysisFindsAVoicemail) {
  AdapterRun run(map_retell, replaced(analyzed(), R"("in_voicemail":false)", R"("in_voicemail":true)"));
  EXPECT_EQ(run.record().ended_reason, "user_hangup");
  EXPECT_EQ(run.record().outcome, "voicemail");
}

TEST(RetellOutcome, FromTheStatusWithoutAReason) {
  const std::pair<const char*, const char*> cases[] = {
      {R"("call_status":"error")", "failed"}, {R"("call_status":"ended")", "completed"}, {R"("call_status":"ongoing")", ""}};
  for (const auto& [status, outcome] : cases) {
    AdapterRun run(map_retell, std::string(R"({"event":"call_ended","call":{"call_id":"c-1",)") + status + "}}");
    EXPECT_EQ(run.record().outcome, outcome) << status;
  }
}

TEST(RetellSentiment, InTheRecordsLowerCase) {
  const std::pair<const char*, const char*> cases[] = {
      {"Positive", "positive"}, {"Negative", "negative"}, {"Neutral", "neutral"}, {"Unknown", ""}, {"Frustrated", "Frustrated"}};
  for (const auto& [sent, stored] : cases) {
    AdapterRun run(map_retell, with_string(analyzed(), "user_sentiment", "Positive", sent));
    EXPECT_EQ(run.record().sentiment, stored) << sent;
  }
}

TEST(RetellCost, CentsBecomeDollars) {
  AdapterRun run(map_retell, replaced(analyzed(), R"("combined_cost":70)", R"("combined_cost":1234.5)"));
  ASSERT_TRUE(run.record().cost);
  EXPECT_DOUBLE_EQ(*run.record().cost, 12.345);
  AdapterRun none(map_retell, replaced(analyzed(), R"("combined_cost":70,)", ""));
  EXPECT_EQ(none.record().cost, std::nullopt);
}

TEST(RetellTurns, TransferTargetsAndOddUtterancesArePassedOver) {
  const std::string odd =
      R"("transcript_object":[{"role":"agent","content":"One moment, transferring you.","words":[{"word":"One","start":12.25}]},)"
      R"({"role":"transfer_target","content":"Sales, this is Sam.","words":[{"word":"Sales,","start":20.0}]},)"
      R"({"role":"user","content":"Thanks"},)"
      R"({"role":"user","content":"No word times","words":[]},)"
      R"({"role":"agent","words":[{"word":"x","start":1}]},)"
      R"({"role":"user","content":{"text":"odd"}},)"
      R"(42],)";
  std::string body = ended();
  const std::size_t start = body.find(R"("transcript_object":[)");
  const std::size_t end = body.find("]}],", start) + 4;
  body.replace(start, end - start, odd);
  AdapterRun run(map_retell, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  const auto& turns = run.record().turns;
  ASSERT_EQ(turns.size(), 3u);
  EXPECT_EQ(turns[0].role, "agent");
  EXPECT_EQ(turns[0].start_seconds, 12.25);
  EXPECT_EQ(turns[1].role, "user");
  EXPECT_EQ(turns[1].text, "Thanks");
  EXPECT_EQ(turns[1].start_seconds, std::nullopt);
  EXPECT_EQ(turns[2].text, "No word times");
  EXPECT_EQ(turns[2].start_seconds, std::nullopt);
}

TEST(RetellTurns, TranscriptObjectMustBeAList) {
  AdapterRun run(map_retell, replaced(ended(), R"("transcript_object":[)", R"("transcript_object":"no","x":[)"));
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"call.transcript_object", "must be an array"}}));
}

TEST(RetellEndOfCall, UnicodeInTheTranscriptSurvives) {
  // Spanish accents: the pitfall Retell's community reports for signatures
  // is just as real for the record.
  const std::string text = "\xC2\xBF" "C\xC3\xB3mo est\xC3\xA1 usted? \xF0\x9F\x98\x8A \"bien\"";
  std::string body = replaced(analyzed(), R"("content":"hi how are you doing?")",
                              R"("content":"\u00bfC\u00f3mo est\u00e1 usted? \ud83d\ude0a \"bien\"")");
  body = replaced(body, R"("transcript":"Agent: hi how are you doing?\n)",
                  "\"transcript\":\"Agent: \xC2\xBF" "C\xC3\xB3mo est\xC3\xA1 usted? \xF0\x9F\x98\x8A \\\"bien\\\"\\n");
  AdapterRun run(map_retell, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().turns[0].text, text);
  EXPECT_EQ(run.stored_string("/turns/0/text"), text);
  EXPECT_EQ(run.stored_string("/transcript"), "Agent: " + text + "\nUser: Doing pretty well. How are you?\n");
}

}  // namespace
}  // namespace voxfra
