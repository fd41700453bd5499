#include <gtest/gtest.h>

#include <string>

#include "adapter_harness.h"
#include "record/json_element.h"

namespace voxfra {
namespace {

using testing::AdapterRun;
using testing::expect_rejected;
using testing::Problems;
using testing::read_fixture;
using testing::replaced;

std::string full_call() { return read_fixture("custom/call.json"); }

// The smallest valid call, for appending one more member.
std::string minimal_call(std::string_view extra_members = "") {
  std::string body = R"({"callId":"c-1","startedAt":"2025-03-14T15:09:26.535Z","durationSeconds":90)";
  body += extra_members;
  body += "}";
  return body;
}

TEST(CustomCall, EndedAtComputedFromDuration) {
  AdapterRun run(map_custom, minimal_call());
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().event, "call.ended") << "the default event";
  EXPECT_EQ(run.record().started_at, 1741964966535);
  EXPECT_EQ(run.record().ended_at, 1741964966535 + 90000);
  EXPECT_EQ(run.record().duration_seconds, 90.0);
}

TEST(CustomCall, DurationComputedFromTimes) {
  AdapterRun run(map_custom, R"({"callId":"c-1","startedAt":"2025-03-14T15:09:26.535Z","endedAt":"2025-03-14T15:12:01Z"})");
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().ended_at, 1741965121000);
  EXPECT_DOUBLE_EQ(*run.record().duration_seconds, 154.465);
}

TEST(CustomCall, GivenDurationIsKeptBesideTheTimes) {
  // A sender may measure from answer to hang-up, not from dial to hang-up.
  AdapterRun run(map_custom,
                 R"({"callId":"c-1","startedAt":"2025-03-14T15:09:26.535Z","endedAt":"2025-03-14T15:12:01Z","durationSeconds":140})");
  EXPECT_EQ(run.record().duration_seconds, 140.0);
}

TEST(CustomIgnored, OtherEventsAreNotCalls) {
  for (const char* event : {"call.started", "call.ringing", "", "CALL.ENDED"}) {
    AdapterRun run(map_custom, std::string(R"({"event":")") + event + R"(","callId":7})");
    EXPECT_EQ(run.verdict(), Verdict::ignored) << event;
    EXPECT_EQ(run.record().event, event);
    EXPECT_EQ(run.problems(), Problems{}) << "nothing else is read";
  }
}

TEST(CustomInvalid, RootMustBeAnObject) {
  for (const char* body : {"[]", R"("call")", "42", "null", "true"}) {
    AdapterRun run(map_custom, body);
    EXPECT_EQ(run.verdict(), Verdict::invalid) << body;
    EXPECT_EQ(run.problems(), (Problems{{"$", "must be an object"}})) << body;
  }
}

TEST(CustomInvalid, EventMustBeAString) {
  AdapterRun run(map_custom, minimal_call(R"(,"event":1)"));
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"event", "must be a string"}}));
}

TEST(CustomInvalid, EachRequiredFieldMissing) {
  const std::string call = full_call();
  expect_rejected(map_custom, {
      {replaced(call, R"("callId": "dialer-2025-03-14-000417",)", ""), {{"callId", "is required"}}},
      {replaced(call, R"("startedAt": "2025-03-14T16:09:26.535+01:00",)", ""), {{"startedAt", "is required"}}},
      {replaced(replaced(call, R"("endedAt": "2025-03-14T15:12:01Z",)", ""), R"("durationSeconds": 154.465,)", ""),
       {{"endedAt", "is required (or durationSeconds)"}}},
      {"{}", {{"callId", "is required"}, {"startedAt", "is required"}, {"endedAt", "is required (or durationSeconds)"}}},
      {R"({"callId":null,"startedAt":null,"endedAt":null,"durationSeconds":null})",
       {{"callId", "is required"}, {"startedAt", "is required"}, {"endedAt", "is required (or durationSeconds)"}}},
  });
}

TEST(CustomInvalid, RequiredFieldsWithWrongValues) {
  const std::pair<std::string, Problems> cases[] = {
      {R"({"callId":"","startedAt":"2025-03-14T15:09:26Z","durationSeconds":1})", {{"callId", "must not be empty"}}},
      {R"({"callId":17,"startedAt":"2025-03-14T15:09:26Z","durationSeconds":1})", {{"callId", "must be a string"}}},
      {R"({"callId":"c","startedAt":"2025-03-14","durationSeconds":1})", {{"startedAt", "must be an RFC 3339 time"}}},
      {R"({"callId":"c","startedAt":1741964966,"durationSeconds":1})", {{"startedAt", "must be an RFC 3339 time"}}},
      {R"({"callId":"c","startedAt":"2025-03-14T15:09:26Z","endedAt":"soon"})", {{"endedAt", "must be an RFC 3339 time"}}},
      {R"({"callId":"c","startedAt":"2025-03-14T15:09:26Z","durationSeconds":"90"})",
       {{"durationSeconds", "must be a number"}}},
      {R"({"callId":"c","startedAt":"2025-03-14T15:09:26Z","durationSeconds":-1})",
       {{"durationSeconds", "must not be negative"}}},
      {R"({"callId":"c","startedAt":"2025-03-14T15:09:26Z","durationSeconds":1e300})",
       {{"durationSeconds", "is too large"}}},
      {R"({"callId":"c","startedAt":"2025-03-14T15:09:26Z","endedAt":"2025-03-14T15:09:25Z"})",
       {{"endedAt", "must not be before startedAt"}}},
  };
  for (const auto& [body, problems] : cases) {
    AdapterRun run(map_custom, body);
    EXPECT_EQ(run.verdict(), Verdict::invalid) << body;
    EXPECT_EQ(run.problems(), problems) << body;
  }
}

TEST(CustomInvalid, EveryOptionalStringMustBeAString) {
  for (const char* name : {"status", "outcome", "endedReason", "fromNumber", "toNumber", "customerNumber",
                           "direction", "agentId", "transcript", "recordingUrl", "summary", "sentiment", "intent"}) {
    AdapterRun run(map_custom, minimal_call(std::string(R"(,")") + name + R"(":42)"));
    EXPECT_EQ(run.verdict(), Verdict::invalid) << name;
    EXPECT_EQ(run.problems(), (Problems{{name, "must be a string"}}));
  }
}

TEST(CustomInvalid, OtherOptionalTypes) {
  const std::pair<std::string_view, Problems> cases[] = {
      {R"(,"direction":"sideways")", {{"direction", "must be inbound, outbound or web"}}},
      {R"(,"turns":{"role":"agent"})", {{"turns", "must be an array"}}},
      {R"(,"variables":[1,2])", {{"variables", "must be an object"}}},
      {R"(,"variables":"{}")", {{"variables", "must be an object"}}},
      {R"(,"cost":"0.10")", {{"cost", "must be a number"}}},
  };
  for (const auto& [extra, problems] : cases) {
    AdapterRun run(map_custom, minimal_call(extra));
    EXPECT_EQ(run.verdict(), Verdict::invalid) << extra;
    EXPECT_EQ(run.problems(), problems) << extra;
  }
}

TEST(CustomInvalid, TurnProblemsNameTheTurn) {
  AdapterRun run(map_custom, minimal_call(R"(,"turns":[{"role":"agent","text":"ok"},{"text":"no role"},)"
                                          R"({"role":"bot","text":"x"},"just text",)"
                                          R"({"role":"user","text":5,"startSeconds":"1"},{"role":"user"}])"));
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"turns[1].role", "is required"},
                                      {"turns[2].role", "must be agent or user"},
                                      {"turns[3]", "must be an object"},
                                      {"turns[4].text", "must be a string"},
                                      {"turns[4].startSeconds", "must be a number"},
                                      {"turns[5].text", "is required"}}));
}

TEST(CustomInvalid, ProblemsAreAllListedInOrder) {
  AdapterRun run(map_custom, R"({"startedAt":"tomorrow","endedAt":"2025-03-14T15:12:01Z","direction":"up","cost":"free"})");
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"callId", "is required"},
                                      {"startedAt", "must be an RFC 3339 time"},
                                      {"direction", "must be inbound, outbound or web"},
                                      {"cost", "must be a number"}}));
}

TEST(CustomCall, OutboundAndWebDirections) {
  for (const char* direction : {"inbound", "outbound", "web"}) {
    AdapterRun run(map_custom, minimal_call(std::string(R"(,"direction":")") + direction + "\""));
    EXPECT_EQ(run.verdict(), Verdict::end_of_call);
    EXPECT_EQ(run.record().direction, direction);
  }
}

TEST(CustomCall, UnicodeAndEscapesInTheTranscriptSurvive) {
  const std::string expected = "Se\xC3\xB1or \xF0\x9F\x93\x9E \"hi\"\\ \t\n\x1f \xE2\x82\xAC";
  AdapterRun run(map_custom, minimal_call(R"(,"transcript":"Se\u00f1or \ud83d\udcde \"hi\"\\ \t\n\u001f €",)"
                                          R"("turns":[{"role":"user","text":"\u00e9\u0000x"}])"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().transcript, expected);
  ASSERT_EQ(run.record().turns.size(), 1u);
  EXPECT_EQ(run.record().turns[0].text, std::string_view("\xC3\xA9\0x", 4));
  EXPECT_EQ(run.stored_string("/transcript"), expected);
  EXPECT_EQ(run.stored_string("/turns/0/text"), std::string("\xC3\xA9\0x", 4));
}

TEST(CustomCall, VariablesAreStoredAsCompactJson) {
  AdapterRun run(map_custom, minimal_call(R"(,"variables": { "name" : "Zo\u00eb", "n": [1, 2.5, null], "ok" : false })"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().variables_json, "{\"name\":\"Zo\xC3\xAB\",\"n\":[1,2.5,null],\"ok\":false}");
}

TEST(CustomCall, NullOptionalFieldsAreAbsent) {
  AdapterRun run(map_custom, minimal_call(R"(,"summary":null,"turns":null,"variables":null,"cost":null)"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  EXPECT_EQ(run.record_json(),
            R"({"receivedAt":"1970-01-01T00:00:00.000Z","event":"call.ended","callId":"c-1",)"
            R"("startedAt":"2025-03-14T15:09:26.535Z","endedAt":"2025-03-14T15:10:56.535Z","durationSeconds":90})");
}

TEST(CustomVariables, DeepVariablesAreCutToARecordThatReadsBack) {
  std::string deep;
  for (int i = 0; i < 1020; ++i) deep += "[";
  for (int i = 0; i < 1020; ++i) deep += "]";
  AdapterRun run(map_custom, minimal_call(R"(,"variables":{"v":)" + deep + "}"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  std::string pointer = "/variables/v";
  for (std::size_t level = 2; level < kMaxKeptDepth; ++level) pointer += "/0";
  EXPECT_EQ(run.stored_string(pointer + "/0"), std::string(kTooDeepMarker));
}

}  // namespace
}  // namespace voxfra
