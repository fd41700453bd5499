// SignatureScheme::sign() for every provider: what `voxfra send-test` sends.
// Each provider's signature must verify with its own scheme (a round trip),
// must not verify with another secret or another body, and must be exactly
// what the provider sends, checked against vectors computed outside this
// code (BODY and hm as in test_signature_support.h; K=whsec_send_test_vector_01):
//
//   printf '%s' "${BODY}1732350000123" | hm $K                       Retell
//   printf '%s' "1732350000.${BODY}" | hm $K                         ElevenLabs, custom
//   printf '%s' "${BODY}" | hm $K                                    Bland, VoiceInfra, VoxPria
//   b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }       LiveKit:
//   H=$(printf '%s' '{"alg":"HS256","typ":"JWT"}' | b64url)
//   SHA=$(printf '%s' "$BODY" | openssl dgst -sha256 -binary | openssl base64 -A)
//   P=$(printf '%s' "{\"iss\":\"APIsendtest1\",\"nbf\":1732350000,\"exp\":1732350300,\"sha256\":\"$SHA\"}" | b64url)
//   S=$(printf '%s' "$H.$P" | openssl dgst -sha256 -hmac $K -binary | b64url); echo $H.$P.$S
#include <vector>

#include "test_signature_support.h"

namespace voxfra::sigtest {
namespace {

constexpr std::string_view kSecret = "whsec_send_test_vector_01";
constexpr std::string_view kApiKey = "APIsendtest1";
constexpr UnixMillis kNow = 1732350000123;

constexpr std::string_view kRetellMac = "a792ac8e83babc12dcb9b82d66b0b48b2293d5d67f83001dc819aea7752b79f2";
constexpr std::string_view kTimestampedMac = "1e2319e9e1e47d5278326b70af2e5decb083b4d380a7f693349cfe713f93fdb5";
constexpr std::string_view kBodyMac = "f8024b38b8a2cee44c0a286a0e5b67836501fa413c548b6265e6ee58bd627d64";
constexpr std::string_view kLiveKitToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJpc3MiOiJBUElzZW5kdGVzdDEiLCJuYmYiOjE3MzIzNTAwMDAsImV4cCI6MTczMjM1MDMwMCwic2hhMjU2IjoiamJGampDMlB0cHpQUDlLO"
    "DJkc1REZ3BieEtpb2RQK2pFK01MY0JPcEs0ND0ifQ.4SWHtAdUS8ywz4jnFQftx1ZyrBnd983sE-U_S4lEyQ4";


std::string str(std::string_view s) { return std::string(s); }

// The headers each provider sends, exactly.
std::vector<SignedHeader> expected_headers(Provider p) {
  switch (p) {
    case Provider::vapi: return {{"X-Vapi-Secret", str(kSecret)}};
    case Provider::retell: return {{"X-Retell-Signature", "v=1732350000123,d=" + str(kRetellMac)}};
    case Provider::bland: return {{"X-Webhook-Signature", str(kBodyMac)}};
    case Provider::livekit: return {{"Authorization", str(kLiveKitToken)}};
    case Provider::elevenlabs: return {{"ElevenLabs-Signature", "t=1732350000,v0=" + str(kTimestampedMac)}};
    case Provider::voiceinfra: return {{"X-VoiceInfra-Signature", str(kBodyMac)}};
    case Provider::voxpria: return {{"X-Voxpria-Signature", "sha256=" + str(kBodyMac)}};
    case Provider::custom: return {{"X-Voxfra-Signature", "t=1732350000,v1=" + str(kTimestampedMac)}};
  }
  return {};
}

const SignatureScheme& scheme_of(Provider p) { return signature_scheme_for(p); }

SignatureCheck verify_signed(Provider p, const std::vector<SignedHeader>& signed_headers, std::string_view body,
                             std::string_view secret, UnixMillis now = kNow) {
  Headers headers;
  for (const SignedHeader& h : signed_headers) headers.set(h.name, h.value);
  EndpointView endpoint;
  endpoint.secrets[0] = {secret, 0};
  endpoint.secret_count = 1;
  endpoint.api_key = kApiKey;
  SignatureRequest request{&headers, body, now, &endpoint};
  return scheme_of(p).verify(request);
}

std::vector<SignedHeader> sign(Provider p, std::string_view body = kBody, UnixMillis now = kNow) {
  return scheme_of(p).sign({kSecret, kApiKey}, body, now);
}

TEST(SigningTest, EveryProviderSendsExactlyItsOwnHeaders) {
  for (Provider p : kAllProviders) EXPECT_EQ(sign(p), expected_headers(p)) << provider_name(p);
}

TEST(SigningTest, EverySignatureVerifiesWithItsScheme) {
  for (Provider p : kAllProviders) {
    EXPECT_EQ(verify_signed(p, sign(p), kBody, kSecret), SignatureCheck::ok) << provider_name(p);
    // A body of another call: the UTF-8 must not be re-encoded on the way.
    const std::string other = "{\"callId\":\"c-2\",\"summary\":\"Gr\xc3\xbc\xc3\x9f" "e\"}";
    EXPECT_EQ(verify_signed(p, sign(p, other), other, kSecret), SignatureCheck::ok) << provider_name(p);
  }
}

TEST(SigningTest, AnotherSecretOrBodyDoesNotVerify) {
  for (Provider p : kAllProviders) {
    const std::vector<SignedHeader> headers = sign(p);
    EXPECT_EQ(verify_signed(p, headers, kBody, "whsec_someone_elses_secret"), SignatureCheck::mismatch)
        << provider_name(p);
    // Vapi's X-Vapi-Secret is the secret itself, not a MAC: it signs no body.
    if (p == Provider::vapi) continue;
    EXPECT_EQ(verify_signed(p, headers, std::string(kBody) + " ", kSecret), SignatureCheck::mismatch)
        << provider_name(p);
  }
}

TEST(SigningTest, TimestampedSignaturesAreSignedAtNow) {
  // An hour later each timestamped scheme calls the same signature stale;
  // a fresh one made then verifies.
  constexpr UnixMillis kHourLater = kNow + 60 * kMinute;
  for (Provider p : {Provider::retell, Provider::livekit, Provider::elevenlabs, Provider::custom}) {
    EXPECT_EQ(verify_signed(p, sign(p), kBody, kSecret, kHourLater), SignatureCheck::stale) << provider_name(p);
    EXPECT_EQ(verify_signed(p, sign(p, kBody, kHourLater), kBody, kSecret, kHourLater), SignatureCheck::ok)
        << provider_name(p);
  }
}

TEST(SigningTest, LiveKitNamesTheApiKey) {
  const SigningKey other_key{kSecret, "APIsomeoneelse"};
  const auto headers = scheme_of(Provider::livekit).sign(other_key, kBody, kNow);
  EXPECT_EQ(verify_signed(Provider::livekit, headers, kBody, kSecret), SignatureCheck::mismatch);
}

}  // namespace
}  // namespace voxfra::sigtest
