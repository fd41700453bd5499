// Call ids and event names go into the call index's key: whatever a provider
// sends, the key built from them is unambiguous and fits LMDB, and a value
// that cannot be part of one is a 400 naming its field, for every provider.
#include <algorithm>
#include <string>

#include "adapter_harness.h"
#include "providers/samples.h"
#include "store/call_listing.h"
#include "store/key_fields.h"
#include "store_harness.h"

namespace voxfra::testing {
namespace {

using store_harness::OpenStoreTest;
using store_harness::TestCall;

constexpr UnixMillis kEndedAt = 1764571234567;
constexpr std::string_view kControlProblem = "must not contain control characters (U+0000-U+001F, U+007F)";

// The path each adapter reads the call id of its sample from.
std::string_view call_id_path(Provider p) {
  switch (p) {
    case Provider::vapi: return "message.call.id";
    case Provider::retell: return "call.call_id";
    case Provider::bland: return "call_id";
    case Provider::livekit: return "room.sid";
    case Provider::elevenlabs: return "data.conversation_id";
    case Provider::voiceinfra: return "call_id";
    case Provider::voxpria: return "data.callId";
    case Provider::custom: return "callId";
  }
  return {};
}

bool has_problem(const Problems& problems, std::string_view field, std::string_view what) {
  return std::find(problems.begin(), problems.end(), std::pair<std::string, std::string>(field, what)) !=
         problems.end();
}

MapHeaders headers_of(const SampleCall& sample) {
  if (sample.headers.empty()) return MapHeaders{};
  return MapHeaders{{sample.headers[0].first, sample.headers[0].second}};
}

TEST(KeyFields, TheLargestLegalKeyFitsLmdb) {
  const std::string org(kMaxNameSize, 'o'), client(kMaxNameSize, 'c');
  const std::string call_id(kMaxCallIdSize, 'i'), event(kMaxEventSize, 'e');
  std::string key;
  ASSERT_TRUE(make_idempotency_key(key, org, client, Provider::elevenlabs, call_id, event));
  EXPECT_EQ(key.size(), kMaxIdempotencyKeySize);
  EXPECT_LE(key.size(), 511u);
  for (Provider p : kAllProviders) EXPECT_LE(provider_name(p).size(), kMaxProviderNameSize);
  // One byte more in any field is refused, and nothing is appended.
  std::string refused = "kept";
  EXPECT_FALSE(make_idempotency_key(refused, org + "o", client, Provider::vapi, call_id, event));
  EXPECT_FALSE(make_idempotency_key(refused, org, client + "c", Provider::vapi, call_id, event));
  EXPECT_FALSE(make_idempotency_key(refused, org, client, Provider::vapi, call_id + "i", event));
  EXPECT_FALSE(make_idempotency_key(refused, org, client, Provider::vapi, call_id, event + "e"));
  EXPECT_EQ(refused, "kept");
}

TEST(KeyFields, TheKeyBuilderRefusesItsSeparatorAndControlCharacters) {
  std::string key;
  for (std::string_view bad : {std::string_view("x\0", 2), std::string_view("x\0y", 3), std::string_view("\x1b]0;"),
                               std::string_view("a\x7f")}) {
    EXPECT_FALSE(make_idempotency_key(key, "acme", "dental", Provider::custom, bad, "call.ended"));
    EXPECT_FALSE(make_idempotency_key(key, "acme", "dental", Provider::custom, "c1", bad));
  }
  EXPECT_TRUE(key.empty());
  // Any other byte is fine: UTF-8 and punctuation are call ids providers use.
  EXPECT_TRUE(make_idempotency_key(key, "acme", "dental", Provider::custom, "caf\xc3\xa9 \"/\\", "call.ended"));
}

class KeyFieldsStore : public OpenStoreTest {};

TEST_F(KeyFieldsStore, TheLargestLegalKeyIsStored) {
  TestCall call("x");
  call.key.clear();
  const std::string org(kMaxNameSize, 'o'), client(kMaxNameSize, 'c'), id(kMaxCallIdSize, 'i');
  ASSERT_TRUE(make_idempotency_key(call.key, org, client, Provider::voiceinfra, id, std::string(kMaxEventSize, 'e')));
  call.call.idempotency_key = call.key;
  store_harness::append(*store_, {&call}, 1000);
  EXPECT_EQ(call.call.result, PendingCall::Result::stored) << call.call.error.message();
}

// A store written before call ids were checked may hold "victim\0" next to
// "victim": looking "victim" up finds its own record, not the other one.
TEST_F(KeyFieldsStore, AnOldKeyWithASeparatorInItsCallIdDoesNotShadowAnother) {
  TestCall victim("victim", R"({"callId":"victim","summary":"first"})");
  TestCall shadow(std::string("victim\0", 7), R"({"callId":"victim?","summary":"second"})");
  shadow.key.clear();
  append_idempotency_key_unchecked(shadow.key, "acme", "dental", Provider::custom, shadow.id, "call.ended");
  shadow.call.idempotency_key = shadow.key;
  store_harness::append(*store_, {&victim}, 1000);
  store_harness::append(*store_, {&shadow}, 2000);
  ASSERT_EQ(shadow.call.result, PendingCall::Result::stored);

  Txn txn(*store_, false);
  auto found = find_calls_by_call_id(txn.get(), *store_, Provider::custom, "victim", std::nullopt, std::nullopt);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].revisions.size(), 1u);
  EXPECT_NE(found[0].json().find("\"first\""), std::string::npos) << found[0].json();
  auto first = find_record(txn.get(), *store_, victim.call.sequence);
  ASSERT_TRUE(first.has_value());
  EXPECT_NE(call_revisions(txn.get(), *store_, *first).json().find("\"first\""), std::string::npos);
  // The other record is listed on its own, its revisions not searched by a key it cannot build.
  auto second = find_record(txn.get(), *store_, shadow.call.sequence);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(call_revisions(txn.get(), *store_, *second).revisions.size(), 1u);
}

TEST(KeyFields, EveryAdapterRefusesAControlCharacterInTheCallId) {
  for (Provider p : kAllProviders) {
    for (std::string id : {std::string("victim-1\0", 9), std::string("victim-1\0x", 10), std::string("\x1b]0;t\a"),
                           std::string("a\x7f")}) {
      const SampleCall sample = sample_call(p, id, kEndedAt);
      AdapterRun run(adapter_for(p), sample.body, headers_of(sample));
      EXPECT_EQ(run.verdict(), Verdict::invalid) << provider_name(p);
      EXPECT_TRUE(has_problem(run.problems(), call_id_path(p), kControlProblem)) << provider_name(p);
    }
  }
}

TEST(KeyFields, EveryAdapterTakesACallIdUpToTheLimitAndRefusesALongerOne) {
  for (Provider p : kAllProviders) {
    const std::string longest(kMaxCallIdSize, 'x');
    const SampleCall fits = sample_call(p, longest, kEndedAt);
    AdapterRun stored(adapter_for(p), fits.body, headers_of(fits));
    EXPECT_EQ(stored.verdict(), Verdict::end_of_call) << provider_name(p);
    EXPECT_EQ(stored.record().call_id, longest) << provider_name(p);

    for (std::size_t size : {kMaxCallIdSize + 1, std::size_t{486}, std::size_t{100000}}) {
      const SampleCall sample = sample_call(p, std::string(size, 'x'), kEndedAt);
      AdapterRun run(adapter_for(p), sample.body, headers_of(sample));
      EXPECT_EQ(run.verdict(), Verdict::invalid) << provider_name(p) << " " << size;
      EXPECT_TRUE(has_problem(run.problems(), call_id_path(p), "must be at most 256 bytes"))
          << provider_name(p) << " " << size;
    }
  }
}

// Where each provider's sample names its event, and the path it is read at
// (Bland sends none: its events are the adapter's own constants).
struct EventAt {
  Provider provider;
  std::string_view member;  // the JSON member as the sample has it
  std::string_view name;    // its name
  std::string_view path;
};

constexpr EventAt kEvents[] = {
    {Provider::vapi, R"("type":"end-of-call-report")", "type", "message.type"},
    {Provider::retell, R"("event":"call_analyzed")", "event", "event"},
    {Provider::livekit, R"("event":"room_finished")", "event", "event"},
    {Provider::elevenlabs, R"("type":"post_call_transcription")", "type", "type"},
    {Provider::voiceinfra, R"("event":"call.completed")", "event", "event"},
    {Provider::voxpria, R"("event":"call.completed")", "event", "event"},
    {Provider::custom, R"("event":"call.ended")", "event", "event"},
};

TEST(KeyFields, EveryAdapterRefusesAControlCharacterOrAnOverlongEventName) {
  const std::string too_long(kMaxEventSize + 1, 'e');
  for (const EventAt& at : kEvents) {
    const SampleCall sample = sample_call(at.provider, "c1", kEndedAt);
    ASSERT_NE(sample.body.find(at.member), std::string::npos) << provider_name(at.provider);
    for (std::string_view value : {std::string_view(R"(call.ended\u0000)"), std::string_view(R"(\u001b[2J)"),
                                   std::string_view(too_long)}) {
      const std::string body =
          replaced(sample.body, at.member, "\"" + std::string(at.name) + "\":\"" + std::string(value) + "\"");
      AdapterRun run(adapter_for(at.provider), body, headers_of(sample));
      EXPECT_EQ(run.verdict(), Verdict::invalid) << provider_name(at.provider) << " " << value;
      const Problems problems = run.problems();
      ASSERT_EQ(problems.size(), 1u) << provider_name(at.provider) << " " << value;
      EXPECT_EQ(problems[0].first, at.path);
      EXPECT_EQ(problems[0].second, value.size() > kMaxEventSize ? "must be at most 64 bytes" : kControlProblem);
    }
  }
}

TEST(KeyFields, VoiceInfrasEventHeaderIsCheckedAsTheBodysEventIs) {
  const SampleCall sample = sample_call(Provider::voiceinfra, "c1", kEndedAt);
  const std::string body = replaced(sample.body, R"("event":"call.completed",)", "");
  AdapterRun run(map_voiceinfra, body, {{"X-VoiceInfra-Event", "call.completed\x01"}});
  EXPECT_EQ(run.verdict(), Verdict::invalid);
  EXPECT_EQ(run.problems(), (Problems{{"X-VoiceInfra-Event", std::string(kControlProblem)}}));
}

}  // namespace
}  // namespace voxfra::testing
