#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "auth/signature.h"
#include "auth/signature_kit.h"
#include "auth/signature_voxfra.h"
#include "test_signature_support.h"

namespace voxfra {
namespace {

using sigtest::Headers;

// The vectors were computed outside this code, with the shell:
//   BODY='{"callId":"c-123",…,"summary":"Caf'$'\xc3\xa9'' order"}'
//   printf '%s' "1700000000.$BODY" | openssl dgst -sha256 -hmac 'whsec_current'
//   printf '%s' "1700000000.$BODY" | openssl dgst -sha256 -hmac 'whsec_old'
//   printf '%s' "1700000000.{}"    | openssl dgst -sha256 -hmac 'whsec_current'
// The body carries UTF-8 ("é") to show that the raw bytes are what is signed.
constexpr std::string_view kBody =
    "{\"callId\":\"c-123\",\"startedAt\":\"2024-11-23T08:18:02Z\",\"durationSeconds\":42,"
    "\"summary\":\"Caf\xc3\xa9 order\"}";
constexpr std::string_view kMacCurrent = "da01cef8ed5720a32e8b10196e44dda0d041010748ba61e087a16b1009a00819";
constexpr std::string_view kMacOld = "f8a367a6d73944fcf6c6081c9ac3b9ca610f913d41f60906e6cdee4006fb15c1";
constexpr std::string_view kMacEmptyObject = "f6f73697ce109fa4dd61f505995eb3d3e625ff9bfc0e0795b6d93b45b613c3cc";
constexpr std::int64_t kT = 1700000000;
constexpr UnixMillis kNow = kT * 1000 + 1234;

std::string header_for(std::string_view mac) { return "t=1700000000,v1=" + std::string(mac); }

class SignatureTest : public ::testing::Test {
 protected:
  SignatureTest() { add_secret("whsec_current", 0); }

  void add_secret(std::string_view value, UnixMillis expires_at) {
    endpoint_.secrets[endpoint_.secret_count++] = {value, expires_at};
  }

  SignatureCheck verify(const std::string& header_value, std::string_view body = kBody, UnixMillis now = kNow) {
    Headers headers;
    if (!header_value.empty()) headers.set("x-voxfra-signature", header_value);
    return verify_with(headers, body, now);
  }

  SignatureCheck verify_with(const Headers& headers, std::string_view body, UnixMillis now) {
    SignatureRequest request{&headers, body, now, &endpoint_};
    return voxfra_signature_scheme().verify(request);
  }

  EndpointView endpoint_;
};

TEST_F(SignatureTest, IndependentVectorVerifies) {
  EXPECT_EQ(verify(header_for(kMacCurrent)), SignatureCheck::ok);
  EXPECT_EQ(sign_voxfra("whsec_current", kT, kBody), header_for(kMacCurrent));
  EXPECT_EQ(sign_voxfra("whsec_current", kT, "{}"), header_for(kMacEmptyObject));
}

TEST_F(SignatureTest, HeaderNameIsCaseInsensitive) {
  Headers headers;
  headers.set("X-VOXFRA-SIGNATURE", header_for(kMacCurrent));
  EXPECT_EQ(verify_with(headers, kBody, kNow), SignatureCheck::ok);
}

TEST_F(SignatureTest, UppercaseHexAccepted) {
  std::string upper(kMacCurrent);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  EXPECT_EQ(verify(header_for(upper)), SignatureCheck::ok);
}

TEST_F(SignatureTest, AnyOfSeveralV1Passes) {
  std::string other(kMacOld);
  EXPECT_EQ(verify("t=1700000000,v1=" + other + ",v1=" + std::string(kMacCurrent)), SignatureCheck::ok);
  EXPECT_EQ(verify("t=1700000000,v1=" + std::string(kMacCurrent) + ",v1=" + other), SignatureCheck::ok);
  EXPECT_EQ(verify("t=1700000000,v1=" + other + ",v1=" + other), SignatureCheck::mismatch);
}

TEST_F(SignatureTest, WhitespaceOrderAndUnknownKeysTolerated) {
  std::string mac(kMacCurrent);
  EXPECT_EQ(verify(" v1=" + mac + " , t=1700000000 "), SignatureCheck::ok);
  EXPECT_EQ(verify("t = 1700000000,\tv0=whatever, v2=" + std::string(64, 'a') + ",flag,v1=" + mac),
            SignatureCheck::ok);
}

TEST_F(SignatureTest, AnyChangeToBodyOrTimeIsAMismatch) {
  std::string body(kBody);
  body.back() = ' ';
  EXPECT_EQ(verify(header_for(kMacCurrent), body), SignatureCheck::mismatch);
  EXPECT_EQ(verify(header_for(kMacCurrent), std::string(kBody) + " "), SignatureCheck::mismatch);
  // The MAC covers t: moving t by a second breaks it.
  EXPECT_EQ(verify("t=1700000001,v1=" + std::string(kMacCurrent)), SignatureCheck::mismatch);
  // t is signed as sent: a zero-padded t is a different message.
  EXPECT_EQ(verify("t=01700000000,v1=" + std::string(kMacCurrent)), SignatureCheck::mismatch);
}

TEST_F(SignatureTest, WrongSecretIsAMismatch) {
  endpoint_ = EndpointView{};
  add_secret("whsec_other", 0);
  EXPECT_EQ(verify(header_for(kMacCurrent)), SignatureCheck::mismatch);
}

TEST_F(SignatureTest, StaleBothDirections) {
  const UnixMillis signed_at = kT * 1000;
  const UnixMillis five_minutes = 5 * 60 * 1000;
  std::string h = header_for(kMacCurrent);
  EXPECT_EQ(verify(h, kBody, signed_at + five_minutes), SignatureCheck::ok);
  EXPECT_EQ(verify(h, kBody, signed_at + five_minutes + 1), SignatureCheck::stale);
  EXPECT_EQ(verify(h, kBody, signed_at - five_minutes), SignatureCheck::ok);
  EXPECT_EQ(verify(h, kBody, signed_at - five_minutes - 1), SignatureCheck::stale);
  EXPECT_EQ(verify(h, kBody, signed_at + 24 * 3600 * 1000), SignatureCheck::stale);
}

TEST_F(SignatureTest, ForgedAndOldIsAMismatchNotStale) {
  // The MAC is checked first: a stale verdict always means a genuine sender.
  EXPECT_EQ(verify(header_for(kMacOld), kBody, kNow + 3600 * 1000), SignatureCheck::mismatch);
}

TEST_F(SignatureTest, RotatedSecretValidDuringGraceOnly) {
  endpoint_ = EndpointView{};
  add_secret("whsec_new", 0);
  const UnixMillis grace_ends = kNow + 60 * 1000;
  add_secret("whsec_old", grace_ends);
  EXPECT_EQ(verify(header_for(kMacOld), kBody, kNow), SignatureCheck::ok);
  EXPECT_EQ(verify(header_for(kMacOld), kBody, grace_ends - 1), SignatureCheck::ok);
  EXPECT_EQ(verify(header_for(kMacOld), kBody, grace_ends), SignatureCheck::mismatch);
  // The new secret works throughout.
  EXPECT_EQ(verify(sign_voxfra("whsec_new", kT, kBody), kBody, grace_ends), SignatureCheck::ok);
}

TEST_F(SignatureTest, NoUsableSecretNeverPasses) {
  endpoint_ = EndpointView{};
  add_secret("whsec_current", kNow);  // expired at this very instant
  EXPECT_EQ(verify(header_for(kMacCurrent)), SignatureCheck::mismatch);
  endpoint_ = EndpointView{};
  add_secret("", 0);  // anyone can compute an HMAC with an empty key
  EXPECT_EQ(verify(sign_voxfra("", kT, kBody)), SignatureCheck::mismatch);
  endpoint_ = EndpointView{};
  EXPECT_EQ(verify(header_for(kMacCurrent)), SignatureCheck::mismatch);
}

TEST_F(SignatureTest, MissingHeader) {
  EXPECT_EQ(verify(""), SignatureCheck::missing);
  Headers other;
  other.set("X-Retell-Signature", header_for(kMacCurrent));
  EXPECT_EQ(verify_with(other, kBody, kNow), SignatureCheck::missing);
}

TEST_F(SignatureTest, MalformedVariants) {
  std::string mac(kMacCurrent);
  const std::string bad[] = {
      "garbage",
      "v1=" + mac,                                // no t
      "t=1700000000",                             // no v1
      "t=,v1=" + mac,                             // empty t
      "t=-1700000000,v1=" + mac,                  // sign
      "t=17e8,v1=" + mac,                         // not digits
      "t=1700000000.5,v1=" + mac,                 // fraction
      "t=1234567890123456,v1=" + mac,             // 16 digits
      "t=1700000000,t=1700000000,v1=" + mac,      // two t
      "t=1700000000,v1=" + mac.substr(1),         // 63 hex
      "t=1700000000,v1=" + mac + "0",             // 65 hex
      "t=1700000000,v1=" + mac.substr(2) + "zz",  // not hex
      "t=1700000000,v1=",                         // empty v1
      "t=1700000000,v1=" + mac + ",v1=nothex",    // one good, one bad
      "t=1700000000;v1=" + mac,                   // wrong separator: t is "1700000000;v1"
  };
  for (const std::string& h : bad) EXPECT_EQ(verify(h), SignatureCheck::malformed) << h;
}

TEST(SignatureParse, ReadsTimestampAndDigests) {
  std::string a(64, 'a'), b(64, 'B');
  const std::string header = "t=42, v1=" + a + ",x=y,v1=" + b;  // t_text points into it
  auto sig = parse_voxfra_signature(header);
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->t, 42);
  EXPECT_EQ(sig->t_text, "42");
  ASSERT_EQ(sig->v1_count, 2u);
  EXPECT_EQ(hex_encode(sig->v1[0]), a);
  EXPECT_EQ(hex_encode(sig->v1[1]), std::string(64, 'b'));
}

TEST(SignatureParse, AtMostEightDigests) {
  std::string h = "t=1";
  for (std::size_t i = 0; i < VoxfraSignature::kMaxDigests; ++i) h += ",v1=" + std::string(64, '0');
  EXPECT_TRUE(parse_voxfra_signature(h));
  EXPECT_FALSE(parse_voxfra_signature(h + ",v1=" + std::string(64, '0')));
}

TEST(SignatureKit, KeyValueList) {
  KeyValueList items(" a=1 ,,b = x=y ,flag,\t=nokey, c= ");
  std::vector<std::pair<std::string, std::string>> seen;
  for (KeyValue kv; items.next(kv);) seen.emplace_back(kv.key, kv.value);
  std::vector<std::pair<std::string, std::string>> want = {{"a", "1"}, {"b", "x=y"}, {"c", ""}};
  EXPECT_EQ(seen, want);
  KeyValueList semi("a=1;b=2", ';');
  KeyValue kv;
  ASSERT_TRUE(semi.next(kv));
  ASSERT_TRUE(semi.next(kv));
  EXPECT_EQ(kv.key, "b");
  EXPECT_FALSE(semi.next(kv));
}

TEST(SignatureKit, ParseDecimal) {
  EXPECT_EQ(parse_decimal("0"), 0);
  EXPECT_EQ(parse_decimal("1732350000123"), 1732350000123);
  EXPECT_EQ(parse_decimal("999999999999999999"), 999999999999999999);
  EXPECT_FALSE(parse_decimal("9999999999999999999"));  // 19 digits
  EXPECT_FALSE(parse_decimal("123", 2));
  EXPECT_FALSE(parse_decimal(""));
  EXPECT_FALSE(parse_decimal("+1"));
  EXPECT_FALSE(parse_decimal(" 1"));
}

TEST(SignatureKit, ToleranceIsInclusiveAndOverflowSafe) {
  const Tolerance past_only{30 * 60 * 1000, INT64_MAX};  // ElevenLabs' rule
  EXPECT_TRUE(within_tolerance(1000, 1000 + 30 * 60 * 1000, past_only));
  EXPECT_FALSE(within_tolerance(1000, 1001 + 30 * 60 * 1000, past_only));
  EXPECT_TRUE(within_tolerance(INT64_MAX, 0, past_only));
  EXPECT_FALSE(within_tolerance(INT64_MIN, INT64_MAX, {1000, 1000}));
  EXPECT_FALSE(within_tolerance(INT64_MAX, INT64_MIN, {1000, 1000}));
  EXPECT_TRUE(within_tolerance(5000, 4000, {0, 1000}));
  EXPECT_FALSE(within_tolerance(5001, 4000, {0, 1000}));
}

TEST_F(SignatureTest, SharedSecretMatch) {
  add_secret("whsec_old", kNow + 1);
  Headers headers;
  SignatureRequest request{&headers, kBody, kNow, &endpoint_};
  EXPECT_EQ(match_shared_secret(request, "whsec_current"), SignatureCheck::ok);
  EXPECT_EQ(match_shared_secret(request, "whsec_old"), SignatureCheck::ok);
  EXPECT_EQ(match_shared_secret(request, "whsec_curren"), SignatureCheck::mismatch);
  EXPECT_EQ(match_shared_secret(request, ""), SignatureCheck::mismatch);
  request.now = kNow + 1;
  EXPECT_EQ(match_shared_secret(request, "whsec_old"), SignatureCheck::mismatch);
}

TEST(SignatureRegistry, EveryProviderHasItsScheme) {
  const std::pair<Provider, std::pair<std::string_view, std::string_view>> want[] = {
      {Provider::custom, {"voxfra", "X-Voxfra-Signature"}},
      {Provider::vapi, {"vapi", "X-Vapi-Secret"}},
      {Provider::retell, {"retell", "X-Retell-Signature"}},
      {Provider::bland, {"bland", "X-Webhook-Signature"}},
      {Provider::livekit, {"livekit", "Authorization"}},
      {Provider::elevenlabs, {"elevenlabs", "ElevenLabs-Signature"}},
      {Provider::voiceinfra, {"voiceinfra", "X-VoiceInfra-Signature"}},
      {Provider::voxpria, {"voxpria", "X-Voxpria-Signature"}},
  };
  for (const auto& [p, names] : want) {
    const SignatureScheme& s = signature_scheme_for(p);
    EXPECT_EQ(s.name(), names.first);
    EXPECT_EQ(s.header(), names.second);
  }
}

// A request with none of a scheme's headers is `missing`, whatever else it
// carries (here: every other scheme's headers); any one of them is judged.
TEST(SignatureRegistry, MissingMeansNoneOfTheSchemesHeaders) {
  EndpointView endpoint;
  endpoint.secrets[0] = {"whsec_current", 0};
  endpoint.secret_count = 1;
  endpoint.api_key = "APIkey";
  for (Provider p : kAllProviders) {
    const SignatureScheme& scheme = signature_scheme_for(p);
    std::span<const std::string_view> own = signature_headers(p);
    ASSERT_FALSE(own.empty());
    EXPECT_EQ(own.front(), scheme.header()) << provider_name(p);
    Headers others;
    for (Provider q : kAllProviders) {
      for (std::string_view h : signature_headers(q)) {
        if (std::find(own.begin(), own.end(), h) == own.end()) others.set(std::string(h), "x");
      }
    }
    others.set("x-timestamp", "1700000000");
    SignatureRequest request{&others, kBody, kNow, &endpoint};
    EXPECT_EQ(scheme.verify(request), SignatureCheck::missing) << provider_name(p);
    for (std::string_view h : own) {
      Headers one;
      one.set(std::string(h), "x");
      SignatureRequest judged{&one, kBody, kNow, &endpoint};
      EXPECT_NE(scheme.verify(judged), SignatureCheck::missing) << provider_name(p) << " " << h;
      EXPECT_NE(scheme.verify(judged), SignatureCheck::ok) << provider_name(p) << " " << h;
    }
  }
}

TEST(SignatureMessages, NameTheHeader) {
  const SignatureScheme& s = voxfra_signature_scheme();
  EXPECT_EQ(s.message(SignatureCheck::missing), "X-Voxfra-Signature header is missing");
  EXPECT_EQ(s.message(SignatureCheck::malformed), "X-Voxfra-Signature header is malformed");
  EXPECT_EQ(s.message(SignatureCheck::mismatch),
            "X-Voxfra-Signature header does not match the body with any current secret");
  EXPECT_EQ(s.message(SignatureCheck::stale), "X-Voxfra-Signature header has a timestamp outside the accepted clock skew");
  EXPECT_EQ(signature_check_problem(SignatureCheck::missing), "is missing");
  EXPECT_EQ(signature_check_name(SignatureCheck::ok), "ok");
  EXPECT_EQ(signature_check_name(SignatureCheck::missing), "missing");
  EXPECT_EQ(signature_check_name(SignatureCheck::malformed), "malformed");
  EXPECT_EQ(signature_check_name(SignatureCheck::mismatch), "mismatch");
  EXPECT_EQ(signature_check_name(SignatureCheck::stale), "stale");
}

}  // namespace
}  // namespace voxfra
