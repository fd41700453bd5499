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

std::string completed() { return read_fixture("voxpria/call-completed.json"); }

TEST(VoxPriaRegistry, VoxPriaHasItsAdapter) {
  EXPECT_EQ(adapter_for(Provider::voxpria), &map_voxpria);
}

TEST(VoxPriaCompleted, EverySpellingOfTheIdAndTheNumbers) {
  const std::pair<const char*, const char*> ids[] = {
      {R"("callId":"call_xyz789")", "call_xyz789"}, {R"("call_id":"c_2")", "c_2"}, {R"("id":"c_3")", "c_3"}};
  for (const auto& [member, id] : ids) {
    AdapterRun run(map_voxpria, replaced(completed(), R"("callId":"call_xyz789")", member));
    ASSERT_EQ(run.verdict(), Verdict::end_of_call) << member;
    EXPECT_EQ(run.record().call_id, id);
  }
  for (const char* spelling : {"toNumber", "to_number", "phone_number", "phoneNumber"}) {
    AdapterRun run(map_voxpria, replaced(completed(), R"("toNumber":)", std::string("\"") + spelling + "\":"));
    EXPECT_EQ(run.record().to_number, "+14155551234") << spelling;
    EXPECT_EQ(run.record().customer_number, "+14155551234");
  }
  AdapterRun from(map_voxpria, replaced(completed(), R"("toNumber":)", R"("from_number":"+14155550000","toNumber":)"));
  EXPECT_EQ(from.record().from_number, "+14155550000");
  AdapterRun url(map_voxpria, replaced(completed(), R"("recording":)", R"("recording_url":)"));
  EXPECT_EQ(url.record().recording_url, "https://cdn.voxpria.com/recordings/call_xyz789.mp3");
}

TEST(VoxPriaEndOfCall, FailedAndEndedCalls) {
  AdapterRun failed(map_voxpria, read_fixture("voxpria/call-failed.json"));
  ASSERT_EQ(failed.verdict(), Verdict::end_of_call);
  EXPECT_EQ(failed.problems(), Problems{});
  EXPECT_EQ(failed.record().event, "call.failed");
  EXPECT_EQ(failed.record().call_id, "call_q81mz2");
  EXPECT_EQ(failed.record().status, "no-answer");
  EXPECT_EQ(failed.record().outcome, "failed") << "call.failed whatever the status";
  EXPECT_EQ(failed.record().duration_seconds, 0.0);
  EXPECT_EQ(failed.record().started_at, 1739102650000);
  EXPECT_EQ(failed.record().ended_at, 1739102650000);

  AdapterRun ended(map_voxpria, replaced(completed(), R"("event":"call.completed")", R"("event":"call.ended")"));
  ASSERT_EQ(ended.verdict(), Verdict::end_of_call);
  EXPECT_EQ(ended.record().event, "call.ended");
  EXPECT_EQ(ended.record().call_id, "call_xyz789");
}

TEST(VoxPriaOutcome, FromTheStatus) {
  const std::pair<const char*, const char*> cases[] = {{"completed", "completed"}, {"answered", "completed"},
                                                       {"voicemail", "voicemail"}, {"no-answer", "no-answer"},
                                                       {"busy", "no-answer"},      {"failed", "failed"}};
  for (const auto& [status, outcome] : cases) {
    AdapterRun run(map_voxpria, with_string(completed(), "status", "completed", status));
    EXPECT_EQ(run.record().outcome, outcome) << status;
  }
  AdapterRun none(map_voxpria, replaced(completed(), R"("status":"completed",)", ""));
  EXPECT_EQ(none.record().outcome, "completed") << "call.completed says it";
}

TEST(VoxPriaIgnored, CallStartedAndCampaigns) {
  for (const char* fixture : {"call-started", "campaign-finished"}) {
    AdapterRun run(map_voxpria, read_fixture(std::string("voxpria/") + fixture + ".json"));
    EXPECT_EQ(run.verdict(), Verdict::ignored) << fixture;
    EXPECT_EQ(run.problems(), Problems{});
    EXPECT_EQ(run.record().call_id, "");
  }
  for (const char* event : {"call.started", "campaign.started", "campaign.paused", "campaign.completed", "credit.low"}) {
    AdapterRun run(map_voxpria, std::string(R"({"event":")") + event + R"("})");
    EXPECT_EQ(run.verdict(), Verdict::ignored) << event;
    EXPECT_EQ(run.record().event, event);
  }
}

TEST(VoxPriaInvalid, EnvelopeProblems) {
  expect_rejected(map_voxpria, {
      {"{}", {{"event", "is required"}}},
      {R"({"event":{"name":"call.completed"}})", {{"event", "must be a string"}}},
      {R"({"event":"call.completed"})", {{"data", "is required"}}},
      {R"({"event":"call.failed","data":"call_1"})", {{"data", "must be an object"}}},
      {R"({"event":"call.completed","data":{}})", {{"data.callId", "is required (or data.call_id, data.id)"}}},
      {R"({"event":"call.completed","data":{"callId":null,"id":12}})", {{"data.id", "must be a string"}}},
      {R"({"event":"call.ended","data":{"call_id":""}})", {{"data.call_id", "must not be empty"}}},
  });
  AdapterRun no_id(map_voxpria, replaced(completed(), R"("callId":"call_xyz789",)", ""));
  EXPECT_EQ(no_id.problems(), (Problems{{"data.callId", "is required (or data.call_id, data.id)"}}));
}

TEST(VoxPriaInvalid, WrongTypesAreAllListed) {
  std::string body = completed();
  body = replaced(body, R"("status":"completed")", R"("status":1)");
  body = replaced(body, R"("timestamp":"2025-02-09T12:00:00Z")", R"("timestamp":1739102400)");
  body = replaced(body, R"("duration":127)", R"("duration":"two minutes")");
  body = replaced(body, R"("toNumber":"+14155551234")", R"("toNumber":14155551234)");
  body = replaced(body, R"("summary":"Customer confirmed the Monday 3pm appointment.")", R"("summary":[])");
  AdapterRun run(map_voxpria, body);
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"data.status", "must be a string"},
                                      {"timestamp", "must be an RFC 3339 time"},
                                      {"data.duration", "must be a number"},
                                      {"data.toNumber", "must be a string"},
                                      {"data.summary", "must be a string"}}));
}

TEST(VoxPriaTimes, DurationAsAStringAndNoStartWithoutOne) {
  AdapterRun text(map_voxpria, replaced(completed(), R"("duration":127)", R"("duration":"127")"));
  ASSERT_EQ(text.verdict(), Verdict::end_of_call);
  EXPECT_EQ(text.record().duration_seconds, 127.0);
  EXPECT_EQ(text.record().started_at, 1739102400000 - 127000);

  AdapterRun none(map_voxpria, replaced(completed(), R"("duration":127,)", ""));
  EXPECT_EQ(none.record().started_at, std::nullopt);
  EXPECT_EQ(none.record().ended_at, 1739102400000);

  AdapterRun negative(map_voxpria, replaced(completed(), R"("duration":127)", R"("duration":-4)"));
  ASSERT_EQ(negative.verdict(), Verdict::end_of_call);
  EXPECT_EQ(negative.record().duration_seconds, std::nullopt);
  EXPECT_EQ(negative.record().started_at, std::nullopt);

  AdapterRun no_time(map_voxpria, replaced(completed(), R"("timestamp":"2025-02-09T12:00:00Z",)", ""));
  EXPECT_EQ(no_time.record().duration_seconds, 127.0);
  EXPECT_EQ(no_time.record().started_at, std::nullopt);
  EXPECT_EQ(no_time.record().ended_at, std::nullopt);
}

TEST(VoxPriaCompleted, UnicodeInTheTranscriptSurvives) {
  const std::string text = "AI: Ol\xC3\xA1, aqui \xC3\xA9 a Ava.\nCustomer: \xE3\x81\xAF\xE3\x81\x84 \xF0\x9F\x91\x8D";
  std::string body = completed();
  const std::size_t start = body.find(R"("transcript":")");
  const std::size_t end = body.find(R"(",)", start) + 2;
  body.replace(start, end - start, R"("transcript":"AI: Ol\u00e1, aqui \u00e9 a Ava.\nCustomer: はい \ud83d\udc4d",)");
  AdapterRun run(map_voxpria, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().transcript, text);
  EXPECT_EQ(run.stored_string("/transcript"), text);
}

}  // namespace
}  // namespace voxfra
