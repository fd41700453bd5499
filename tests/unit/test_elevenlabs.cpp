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

std::string transcription() { return read_fixture("elevenlabs/post_call_transcription.json"); }
std::string failure() { return read_fixture("elevenlabs/call_initiation_failure.json"); }

constexpr UnixMillis kStart = 1757088377000;  // 2025-09-05T16:06:17Z

TEST(ElevenLabsRegistry, ElevenLabsHasItsAdapter) {
  EXPECT_EQ(adapter_for(Provider::elevenlabs), &map_elevenlabs);
}

TEST(ElevenLabsTranscription, BecomesTheUnifiedRecord) {
  std::string body = replaced(transcription(), R"("evaluation_criteria_results":{"polite":{"criteria_id":"polite","result":"success","rationale":"The agent stayed courteous."}},)", "");
  body = replaced(body, R"(,"customer_tier":"gold")", "");
  AdapterRun run(map_elevenlabs, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record_json(),
            R"({"receivedAt":"1970-01-01T00:00:00.000Z","event":"post_call_transcription",)"
            R"("callId":"conv_3101k4da1tn5eg9asffp78hzw3w0","status":"done","outcome":"completed",)"
            R"("endedReason":"Call ended by remote party","startedAt":"2025-09-05T16:06:17.000Z",)"
            R"("endedAt":"2025-09-05T16:08:16.000Z","durationSeconds":119,)"
            R"("fromNumber":"+14155550123","toNumber":"+14155559876","customerNumber":"+14155550123",)"
            R"("direction":"inbound","agentId":"agent_01jx9k2m3n4p5q6r7s8t9v0w1x",)"
            R"("transcript":"Agent: Hi, this is Jessica. How can I help?\nUser: I need a callback from Belinda.\n)"
            R"(Agent: Done. Belinda will call you back tomorrow at nine.\n",)"
            R"("turns":[{"role":"agent","text":"Hi, this is Jessica. How can I help?","startSeconds":0},)"
            R"({"role":"user","text":"I need a callback from Belinda.","startSeconds":4},)"
            R"({"role":"agent","text":"Done. Belinda will call you back tomorrow at nine.","startSeconds":9}],)"
            R"("summary":"Caller requested a callback from Belinda; scheduled for tomorrow at 9:00.",)"
            R"("intent":"callback",)"
            R"("variables":{"data_collection_results":{"intent":{"data_collection_id":"intent","value":"callback",)"
            R"("rationale":"The caller asked to be called back."}},"call_successful":"success",)"
            R"("dynamic_variables":{"system__caller_id":"+14155550123","system__called_number":"+14155559876"},)"
            R"("costCredits":812},"cost":0.0952})");
}

TEST(ElevenLabsDirection, OutboundSwapsFromAndTo) {
  AdapterRun run(map_elevenlabs, replaced(transcription(), R"("direction":"inbound")", R"("direction":"outbound")"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().direction, "outbound");
  EXPECT_EQ(run.record().from_number, "+14155559876") << "the agent's number calls";
  EXPECT_EQ(run.record().to_number, "+14155550123");
  EXPECT_EQ(run.record().customer_number, "+14155550123") << "the external number either way";
}

TEST(ElevenLabsDirection, AConversationWithoutAPhoneCallHasNoNumbers) {
  std::string body = replaced(transcription(), R"("main_language":"en",)", R"("main_language":"en")");
  const std::size_t start = body.find(R"("phone_call":{)");
  ASSERT_NE(start, std::string::npos);
  body.erase(start, body.find("}}", start) + 1 - start);
  AdapterRun run(map_elevenlabs, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  EXPECT_EQ(run.record().direction, "") << "a widget call: no direction invented";
  EXPECT_EQ(run.record().from_number, "");
  EXPECT_EQ(run.record().to_number, "");
  EXPECT_EQ(run.record().customer_number, "");
}

TEST(ElevenLabsCost, CreditsAreNoMoney) {
  AdapterRun run(map_elevenlabs, replaced(transcription(), R"(,"cost_fiat":0.0952)", ""));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().cost, std::nullopt) << "older deliveries have credits only";
  EXPECT_NE(run.record().variables_json.find(R"("costCredits":812)"), std::string_view::npos);
}

TEST(ElevenLabsOutcome, FromStatusTerminationAndAnalysis) {
  struct Case {
    const char* from;
    const char* to;
    const char* outcome;
  };
  const Case cases[] = {
      {R"("call_successful":"success")", R"("call_successful":"failure")", "failed"},
      {R"("call_successful":"success")", R"("call_successful":"unknown")", "completed"},
      {R"("status":"done")", R"("status":"failed")", "failed"},
      {R"("termination_reason":"Call ended by remote party")", R"("termination_reason":"Voicemail detected")",
       "voicemail"},
      {R"("termination_reason":"Call ended by remote party")",
       R"("termination_reason":"end_call tool: reached VOICEMAIL box")", "voicemail"},
  };
  for (const Case& c : cases) {
    AdapterRun run(map_elevenlabs, replaced(transcription(), c.from, c.to));
    EXPECT_EQ(run.record().outcome, c.outcome) << c.to;
  }
  std::string processing = replaced(transcription(), R"("status":"done")", R"("status":"processing")");
  AdapterRun run(map_elevenlabs, replaced(processing, R"("call_successful":"success")", R"("call_successful":"unknown")"));
  EXPECT_EQ(run.record().outcome, "") << "no verdict on an unfinished conversation";
}

TEST(ElevenLabsInitiationFailure, OutcomeByReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"busy", "no-answer"}, {"no-answer", "no-answer"}, {"unknown", "failed"}, {"invalid_number", "failed"}};
  for (const auto& [reason, outcome] : cases) {
    AdapterRun run(map_elevenlabs, with_string(failure(), "failure_reason", "busy", reason));
    EXPECT_EQ(run.record().outcome, outcome) << reason;
  }
  AdapterRun none(map_elevenlabs, replaced(failure(), R"("failure_reason":"busy",)", ""));
  EXPECT_EQ(none.record().outcome, "failed");
}

TEST(ElevenLabsInitiationFailure, WithoutAConversationIdIsIgnored) {
  AdapterRun run(map_elevenlabs, replaced(failure(), R"("conversation_id":"conv_7201k4dc9vq2ez8b6n3m5k1p0x4w",)", ""));
  EXPECT_EQ(run.verdict(), Verdict::ignored) << "no call to key it on";
  EXPECT_EQ(run.record().event, "call_initiation_failure");
  EXPECT_EQ(run.problems(), Problems{});

  AdapterRun bad(map_elevenlabs, replaced(failure(), R"("conversation_id":"conv_7201k4dc9vq2ez8b6n3m5k1p0x4w")",
                                          R"("conversation_id":7201)"));
  EXPECT_EQ(bad.verdict(), Verdict::invalid);
  EXPECT_EQ(bad.problems(), (Problems{{"data.conversation_id", "must be a string"}}));
}

TEST(ElevenLabsIgnored, AudioAndOtherTypes) {
  AdapterRun audio(map_elevenlabs, read_fixture("elevenlabs/post_call_audio.json"));
  EXPECT_EQ(audio.verdict(), Verdict::ignored);
  EXPECT_EQ(audio.record().event, "post_call_audio");
  EXPECT_EQ(audio.problems(), Problems{});
  EXPECT_EQ(audio.record().call_id, "");
  for (const char* type : {"voice_removal_notice", "voice_removed", "workspace_event"}) {
    AdapterRun run(map_elevenlabs, std::string(R"({"type":")") + type + R"(","event_timestamp":1757088377})");
    EXPECT_EQ(run.verdict(), Verdict::ignored) << type;
    EXPECT_EQ(run.record().event, type);
  }
}

TEST(ElevenLabsInvalid, EnvelopeProblems) {
  expect_rejected(map_elevenlabs, {
      {"{}", {{"type", "is required"}}},
      {R"({"type":false})", {{"type", "must be a string"}}},
      {R"({"type":"post_call_transcription"})", {{"data", "is required"}}},
      {R"({"type":"call_initiation_failure","data":[]})", {{"data", "must be an object"}}},
      {R"({"type":"post_call_transcription","data":{}})",
       {{"data.conversation_id", "is required"}, {"data.metadata", "is required"}}},
      {R"({"type":"post_call_transcription","data":{"conversation_id":"","metadata":{}}})",
       {{"data.conversation_id", "must not be empty"},
        {"data.metadata.start_time_unix_secs", "is required"},
        {"data.metadata.call_duration_secs", "is required"}}},
      {R"({"type":"post_call_transcription","data":{"conversation_id":"c","metadata":"none"}})",
       {{"data.metadata", "must be an object"}}},
  });
}

TEST(ElevenLabsInvalid, EachRequiredFieldMissingFromAFullReport) {
  const std::pair<const char*, const char*> cases[] = {
      {R"("conversation_id":"conv_3101k4da1tn5eg9asffp78hzw3w0",)", "data.conversation_id"},
      {R"("start_time_unix_secs":1757088377,)", "data.metadata.start_time_unix_secs"},
      {R"("call_duration_secs":119,)", "data.metadata.call_duration_secs"},
  };
  for (const auto& [member, field] : cases) {
    AdapterRun run(map_elevenlabs, replaced(transcription(), member, ""));
    EXPECT_EQ(run.verdict(), Verdict::invalid) << field;
    EXPECT_EQ(run.problems(), (Problems{{field, "is required"}}));
  }
}

TEST(ElevenLabsInvalid, WrongTypesAreAllListed) {
  std::string body = transcription();
  body = replaced(body, R"("start_time_unix_secs":1757088377)", R"("start_time_unix_secs":"2025-09-05T16:06:17Z")");
  body = replaced(body, R"("call_duration_secs":119)", R"("call_duration_secs":"119s")");
  body = replaced(body, R"("direction":"inbound")", R"("direction":1)");
  body = replaced(body, R"("transcript":[)", R"("transcript":{"turns":[)");
  body = replaced(body, R"("time_in_call_secs":9,"tool_calls":[],"tool_results":[],"interrupted":false}],)",
                  R"("time_in_call_secs":9,"tool_calls":[],"tool_results":[],"interrupted":false}]},)");
  body = replaced(body, R"("cost_fiat":0.0952)", R"("cost_fiat":"0.0952 USD")");
  AdapterRun run(map_elevenlabs, body);
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"data.metadata.start_time_unix_secs", "must be an epoch time"},
                                      {"data.metadata.call_duration_secs", "must be a number"},
                                      {"data.metadata.phone_call.direction", "must be a string"},
                                      {"data.transcript", "must be an array"},
                                      {"data.metadata.cost_fiat", "must be a number"}}));
}

TEST(ElevenLabsTimes, EpochSecondsAsAStringAndANegativeDuration) {
  AdapterRun text(map_elevenlabs,
                  replaced(transcription(), R"("start_time_unix_secs":1757088377)", R"("start_time_unix_secs":"1757088377")"));
  ASSERT_EQ(text.verdict(), Verdict::end_of_call);
  EXPECT_EQ(text.record().started_at, kStart);

  AdapterRun negative(map_elevenlabs, replaced(transcription(), R"("call_duration_secs":119)", R"("call_duration_secs":-1)"));
  ASSERT_EQ(negative.verdict(), Verdict::end_of_call) << "the call is kept";
  EXPECT_EQ(negative.record().duration_seconds, std::nullopt);
  EXPECT_EQ(negative.record().ended_at, std::nullopt) << "no end without a duration";
}

TEST(ElevenLabsTurns, OddTurnsArePassedOverAndTheTextFollowsTheTurns) {
  const std::string odd =
      R"("transcript":[{"role":"agent","message":"Hola","time_in_call_secs":0.5},)"
      R"({"role":"tool","message":"{\"ok\":true}"},)"
      R"({"role":"user","message":""},)"
      R"({"role":"user","message":7},)"
      R"({"role":"user","message":"Sí","time_in_call_secs":"2"},)"
      R"([]],)";
  std::string body = transcription();
  const std::size_t start = body.find(R"("transcript":[)");
  const std::size_t end = body.find(R"("metadata":{)", start);
  body.replace(start, end - start, odd);
  AdapterRun run(map_elevenlabs, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  const auto& turns = run.record().turns;
  ASSERT_EQ(turns.size(), 3u);
  EXPECT_EQ(turns[0].start_seconds, 0.5);
  EXPECT_EQ(turns[1].text, "") << "an empty message is still the user's turn";
  EXPECT_EQ(turns[2].text, "S\xC3\xAD");
  EXPECT_EQ(turns[2].start_seconds, std::nullopt) << "a string is no number here";
  EXPECT_EQ(run.record().transcript, "Agent: Hola\nUser: \nUser: S\xC3\xAD\n");
}

TEST(ElevenLabsTurns, NoTurnsNoTranscript) {
  AdapterRun run(map_elevenlabs, R"({"type":"post_call_transcription","data":{"conversation_id":"c",)"
                                 R"("metadata":{"start_time_unix_secs":1757088377,"call_duration_secs":0},"transcript":[]}})");
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().transcript, "");
  EXPECT_EQ(run.record().ended_at, kStart);
  EXPECT_EQ(run.record_json().find(R"("transcript")"), std::string::npos);
}

TEST(ElevenLabsTranscription, UnicodeInTheTranscriptSurvives) {
  const std::string text = "\xC2\xBFPuede Bel\xC3\xA9n llamarme ma\xC3\xB1" "ana? \xF0\x9F\x99\x8F \"gracias\"";
  AdapterRun run(map_elevenlabs, replaced(transcription(), R"("message":"I need a callback from Belinda.")",
                                          R"("message":"\u00bfPuede Bel\u00e9n llamarme ma\u00f1ana? \ud83d\ude4f \"gracias\"")"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().turns[1].text, text);
  EXPECT_EQ(run.stored_string("/turns/1/text"), text);
  EXPECT_EQ(run.stored_string("/transcript"), "Agent: Hi, this is Jessica. How can I help?\nUser: " + text +
                                                  "\nAgent: Done. Belinda will call you back tomorrow at nine.\n");
}

}  // namespace
}  // namespace voxfra
