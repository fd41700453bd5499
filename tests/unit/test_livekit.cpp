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

std::string room_finished() { return read_fixture("livekit/room_finished.json"); }

constexpr std::string_view kMetadata = R"("metadata":"{\"agent_id\":\"support-v2\",\"campaign\":\"renewals\",\"priority\":2}")";

std::string with_metadata(std::string_view metadata_member) {
  return replaced(room_finished(), kMetadata, metadata_member);
}

TEST(LiveKitRegistry, LiveKitHasItsAdapter) {
  EXPECT_EQ(adapter_for(Provider::livekit), &map_livekit);
}

TEST(LiveKitTimes, CreationTimeInSecondsWithoutTheMillis) {
  AdapterRun run(map_livekit, replaced(room_finished(), R"(,"creationTimeMs":"1732349880412")", ""));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().started_at, 1732349880000);
  EXPECT_EQ(run.record().duration_seconds, 120.0);
}

TEST(LiveKitTimes, NumbersAreAcceptedAsWellAsStrings) {
  std::string body = replaced(room_finished(), R"("createdAt":"1732350000")", R"("createdAt":1732350000)");
  body = replaced(body, R"("creationTimeMs":"1732349880412")", R"("creationTimeMs":1732349880412)");
  AdapterRun run(map_livekit, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().started_at, 1732349880412);
  EXPECT_EQ(run.record().ended_at, 1732350000000);
}

TEST(LiveKitTimes, NoCreationTimeNoDuration) {
  std::string body = replaced(room_finished(), R"("creationTime":"1732349880","creationTimeMs":"1732349880412",)", "");
  AdapterRun run(map_livekit, body);
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().started_at, std::nullopt);
  EXPECT_EQ(run.record().ended_at, 1732350000000);
  EXPECT_EQ(run.record().duration_seconds, std::nullopt);
}

TEST(LiveKitTimes, ABadMillisecondTimeIsNotPaperedOver) {
  AdapterRun run(map_livekit, replaced(room_finished(), R"("creationTimeMs":"1732349880412")", R"("creationTimeMs":"soon")"));
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"room.creationTimeMs", "must be an epoch time"}}));
}

TEST(LiveKitIgnored, EveryOtherEventOfTheCall) {
  for (const char* fixture : {"participant_left", "egress_ended", "room_started"}) {
    AdapterRun run(map_livekit, read_fixture(std::string("livekit/") + fixture + ".json"));
    EXPECT_EQ(run.verdict(), Verdict::ignored) << fixture;
    EXPECT_EQ(run.record().event, fixture);
    EXPECT_EQ(run.problems(), Problems{});
    EXPECT_EQ(run.record().call_id, "");
  }
  for (const char* event : {"participant_joined", "participant_connection_aborted", "track_published",
                            "track_unpublished", "egress_started", "egress_updated", "ingress_started"}) {
    AdapterRun run(map_livekit, std::string(R"({"event":")") + event + R"(","id":"EV_x","createdAt":"1"})");
    EXPECT_EQ(run.verdict(), Verdict::ignored) << event;
    EXPECT_EQ(run.record().event, event);
  }
}

TEST(LiveKitInvalid, EnvelopeProblems) {
  expect_rejected(map_livekit, {
      {"{}", {{"event", "is required"}}},
      {R"({"event":1})", {{"event", "must be a string"}}},
      {R"({"event":"room_finished","createdAt":"1732350000"})", {{"room", "is required"}}},
      {R"({"event":"room_finished","room":"RM_1","createdAt":"1732350000"})", {{"room", "must be an object"}}},
      {R"({"event":"room_finished","room":{},"createdAt":"1732350000"})", {{"room.sid", "is required"}}},
      {R"({"event":"room_finished","room":{"sid":""},"createdAt":"1732350000"})", {{"room.sid", "must not be empty"}}},
      {R"({"event":"room_finished","room":{"sid":5},"createdAt":"1732350000"})", {{"room.sid", "must be a string"}}},
      {R"({"event":"room_finished","room":{"sid":"RM_1"}})", {{"createdAt", "is required"}}},
      {R"({"event":"room_finished","room":{"sid":"RM_1"},"createdAt":"2024-11-23T08:20:00Z"})",
       {{"createdAt", "must be an epoch time"}}},
  });
}

TEST(LiveKitInvalid, MinimalRoomFinishedIsEnough) {
  AdapterRun run(map_livekit, R"({"event":"room_finished","room":{"sid":"RM_1"},"createdAt":"1732350000"})");
  EXPECT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record_json(), R"({"receivedAt":"1970-01-01T00:00:00.000Z","event":"room_finished","callId":"RM_1",)"
                               R"("endedAt":"2024-11-23T08:20:00.000Z"})");
}

TEST(LiveKitInvalid, WrongTypesAreAllListed) {
  std::string body = replaced(room_finished(), R"("creationTime":"1732349880","creationTimeMs":"1732349880412")",
                              R"("creationTime":"-1")");
  body = replaced(body, R"("name":"call-_+14155550123_aZ8k")", R"("name":["call"])");
  body = replaced(body, R"("id":"EV_3qz9XkQdW2bL")", R"("id":7)");
  body = replaced(body, kMetadata, R"("metadata":{"agent_id":"support-v2"})");
  body = replaced(body, R"("roomEndReason":"ROOM_END_API_DELETE")", R"("roomEndReason":4)");
  AdapterRun run(map_livekit, body);
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"room.creationTime", "must be an epoch time"},
                                      {"roomEndReason", "must be a string"},
                                      {"room.name", "must be a string"},
                                      {"id", "must be a string"},
                                      {"room.metadata", "must be a string"}}));
}

TEST(LiveKitMetadata, AJsonObjectIsStoredAsAnObject) {
  AdapterRun run(map_livekit, with_metadata(R"("metadata":"{\"agentId\":\"sales\",\"lead\":{\"id\":42}}")"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().agent_id, "sales") << "agentId spelling";
  EXPECT_EQ(run.record().variables_json,
            R"({"roomName":"call-_+14155550123_aZ8k","eventId":"EV_3qz9XkQdW2bL",)"
            R"("roomMetadata":{"agentId":"sales","lead":{"id":42}}})");
}

TEST(LiveKitMetadata, AnythingElseIsStoredAsTheStringItIs) {
  const std::pair<const char*, const char*> cases[] = {
      {R"("metadata":"support line 2")", R"("support line 2")"},
      {R"("metadata":"{\"agent_id\":")", R"("{\"agent_id\":")"},
      {R"("metadata":"[1,2]")", R"("[1,2]")"},
      {R"("metadata":"42")", R"("42")"},
  };
  for (const auto& [member, stored] : cases) {
    AdapterRun run(map_livekit, with_metadata(member));
    ASSERT_EQ(run.verdict(), Verdict::end_of_call) << member;
    EXPECT_EQ(run.problems(), Problems{});
    EXPECT_EQ(run.record().agent_id, "");
    EXPECT_EQ(run.record().variables_json,
              std::string(R"({"roomName":"call-_+14155550123_aZ8k","eventId":"EV_3qz9XkQdW2bL","roomMetadata":)") +
                  stored + "}")
        << member;
  }
}

TEST(LiveKitMetadata, TheAppsShapeIsNeverAProblem) {
  AdapterRun run(map_livekit, with_metadata(R"("metadata":"{\"agent_id\":7}")"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.problems(), Problems{});
  EXPECT_EQ(run.record().agent_id, "");
  EXPECT_NE(run.record().variables_json.find(R"("roomMetadata":{"agent_id":7})"), std::string_view::npos);
}

TEST(LiveKitMetadata, EmptyMetadataIsLeftOut) {
  for (const char* member : {R"("metadata":"")", R"("metadata":null)"}) {
    AdapterRun run(map_livekit, with_metadata(member));
    EXPECT_EQ(run.record().variables_json, R"({"roomName":"call-_+14155550123_aZ8k","eventId":"EV_3qz9XkQdW2bL"})");
  }
  std::string bare = replaced(with_metadata(R"("metadata":"")"), R"("name":"call-_+14155550123_aZ8k",)", "");
  AdapterRun run(map_livekit, replaced(bare, R"("id":"EV_3qz9XkQdW2bL",)", ""));
  EXPECT_EQ(run.record().variables_json, "") << "no variables at all";
}

TEST(LiveKitMetadata, UnicodeSurvives) {
  // Metadata is a JSON text inside a JSON string: escapes on two levels.
  const std::string name = "Z\xC3\xBCrich \xF0\x9F\x93\x9E";
  AdapterRun run(map_livekit, with_metadata(R"("metadata":"{\"agent_id\":\"Z\\u00fcrich \ud83d\udcde\"}")"));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  EXPECT_EQ(run.record().agent_id, name);
  EXPECT_EQ(run.stored_string("/agentId"), name);
  EXPECT_EQ(run.stored_string("/variables/roomMetadata/agent_id"), name);
}

// Metadata ~1,022 objects deep: kept down to kMaxKeptDepth levels, the rest
// one marker, so that the stored record is one our own reader parses back.
TEST(LiveKitMetadata, DeepMetadataIsCutToARecordThatReadsBack) {
  std::string metadata;
  for (int i = 0; i < 1022; ++i) metadata += R"({\"a\":)";
  metadata += "1";
  for (int i = 0; i < 1022; ++i) metadata += "}";
  AdapterRun run(map_livekit, with_metadata(R"("metadata":")" + metadata + "\""));
  ASSERT_EQ(run.verdict(), Verdict::end_of_call);
  std::string pointer = "/variables/roomMetadata";
  for (std::size_t level = 1; level < kMaxKeptDepth; ++level) pointer += "/a";
  EXPECT_EQ(run.stored_string(pointer + "/a"), std::string(kTooDeepMarker));
}

}  // namespace
}  // namespace voxfra
