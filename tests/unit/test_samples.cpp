// The sample reports of `voxfra send-test`: each one is an end-of-call
// report its own adapter stores, under the call id it was given, with times
// that agree with each other and with "now".
#include "providers/samples.h"

#include <set>

#include "adapter_harness.h"

namespace voxfra::testing {
namespace {

constexpr UnixMillis kEndedAt = 1764571234567;  // 2025-12-01T06:40:34.567Z

// A sample sends at most one header besides its signature (VoiceInfra's event).
MapHeaders headers_of(const SampleCall& sample) {
  EXPECT_LE(sample.headers.size(), 1u);
  if (sample.headers.empty()) return MapHeaders{};
  return MapHeaders{{sample.headers[0].first, sample.headers[0].second}};
}

TEST(SamplesTest, EverySampleIsAnEndOfCallReportOfItsProvider) {
  for (Provider p : kAllProviders) {
    const std::string id = sample_call_id(p);
    const SampleCall sample = sample_call(p, id, kEndedAt);
    AdapterRun run(adapter_for(p), sample.body, headers_of(sample));
    ASSERT_EQ(run.verdict(), Verdict::end_of_call) << provider_name(p) << ": " << sample.body;
    EXPECT_TRUE(run.problems().empty()) << provider_name(p);
    EXPECT_EQ(run.record().call_id, id) << provider_name(p);
    EXPECT_EQ(sample.call_id, id);
    EXPECT_EQ(sample.body.find("${"), std::string::npos) << provider_name(p) << ": a placeholder is left";
    // The call ended at the given second (providers that send seconds cannot say more).
    ASSERT_TRUE(run.record().ended_at.has_value()) << provider_name(p);
    EXPECT_EQ(*run.record().ended_at, kEndedAt / 1000 * 1000) << provider_name(p);
    ASSERT_TRUE(run.record().started_at.has_value()) << provider_name(p);
    ASSERT_TRUE(run.record().duration_seconds.has_value()) << provider_name(p);
    EXPECT_DOUBLE_EQ(*run.record().duration_seconds,
                     static_cast<double>(*run.record().ended_at - *run.record().started_at) / 1000.0)
        << provider_name(p);
  }
}

TEST(SamplesTest, ContentTypesAreTheProviders) {
  EXPECT_EQ(sample_call(Provider::livekit, "RM_x", kEndedAt).content_type, "application/webhook+json");
  EXPECT_EQ(sample_call(Provider::vapi, "x", kEndedAt).content_type, "application/json");
  const SampleCall voiceinfra = sample_call(Provider::voiceinfra, "call_x", kEndedAt);
  ASSERT_EQ(voiceinfra.headers.size(), 1u);
  EXPECT_EQ(voiceinfra.headers[0].first, "X-VoiceInfra-Event");
  EXPECT_EQ(voiceinfra.headers[0].second, "call.completed");
}

TEST(SamplesTest, CallIdsAreFreshAndInTheProvidersForm) {
  std::set<std::string> seen;
  for (Provider p : kAllProviders) {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(seen.insert(sample_call_id(p)).second) << provider_name(p);
  }
  EXPECT_TRUE(sample_call_id(Provider::elevenlabs).starts_with("conv_"));
  EXPECT_TRUE(sample_call_id(Provider::livekit).starts_with("RM_"));
  const std::string uuid = sample_call_id(Provider::vapi);
  ASSERT_EQ(uuid.size(), 36u);
  EXPECT_EQ(uuid[14], '4');  // version 4
  EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos);
}

TEST(SamplesTest, AnyCallIdIsEscapedIntoTheBody) {
  // Control characters are refused as call ids (store/key_fields.h): the
  // characters JSON must escape that a call id may hold.
  const std::string id = "quote\" and \\ back/slash \u00e9";
  for (Provider p : kAllProviders) {
    const SampleCall sample = sample_call(p, id, kEndedAt);
    AdapterRun run(adapter_for(p), sample.body, headers_of(sample));
    ASSERT_EQ(run.verdict(), Verdict::end_of_call) << provider_name(p);
    EXPECT_EQ(run.record().call_id, id) << provider_name(p);
  }
}

}  // namespace
}  // namespace voxfra::testing
