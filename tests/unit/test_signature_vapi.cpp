// Vapi: X-Vapi-Secret (shared secret), then the HMAC credential (x-signature
// over "{x-timestamp}.{body}"), then Authorization: Bearer <secret>.
//
// Vectors (BODY and hm as in test_signature_support.h):
//   printf '%s' "1732350000.${BODY}"    | hm vapi_hmac_secret_current_1
//   printf '%s' "1732350000123.${BODY}" | hm vapi_hmac_secret_current_1
//   printf '%s' "1732350000.${BODY}"    | hm vapi_hmac_secret_previous2
#include "auth/signature_vapi.h"

#include "test_signature_support.h"

namespace voxfra::sigtest {
namespace {

constexpr std::string_view kSecret = "vapi_hmac_secret_current_1";
constexpr std::string_view kOldSecret = "vapi_hmac_secret_previous2";
constexpr std::string_view kMacSeconds = "41be2b2800b1d81f6d3e448814d87a291c512a175766ba279f54c27ffa6c48b8";
constexpr std::string_view kMacMillis = "5815c9ca5d08116256dceb13773745db2d51080e37571eb835f60af81b9ec596";
constexpr std::string_view kOldMacSeconds = "bf2143b2ec1adb5851f4b989c63a1ceb05533cc0387630a6854c319e9204fa1b";
constexpr UnixMillis kSignedAt = 1732350000000;

Headers hmac(std::string_view signature, std::string_view timestamp = "1732350000") {
  return Headers{{"x-signature", std::string(signature)}, {"x-timestamp", std::string(timestamp)}};
}

class VapiSignatureTest : public SchemeTest {
 protected:
  VapiSignatureTest() : SchemeTest(vapi_signature_scheme(), kSignedAt + 700) { add_secret(kSecret); }
};

TEST_F(VapiSignatureTest, SharedSecretHeader) {
  EXPECT_EQ(verify_value(std::string(kSecret)), SignatureCheck::ok);
  EXPECT_EQ(verify(Headers{{"x-vapi-secret", std::string(kSecret)}}), SignatureCheck::ok);
  EXPECT_EQ(verify_value(std::string(kOldSecret)), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(std::string(kSecret) + " "), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(std::string(kSecret).substr(1)), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(upper(std::string(kSecret))), SignatureCheck::mismatch);
  // Not a signature: the body does not matter, and neither does the clock.
  EXPECT_EQ(verify_value(std::string(kSecret), "{}"), SignatureCheck::ok);
  EXPECT_EQ(scheme_.name(), "vapi");
  EXPECT_EQ(scheme_.header(), "X-Vapi-Secret");
}

TEST_F(VapiSignatureTest, HmacCredentialSecondsAndMilliseconds) {
  EXPECT_EQ(verify(hmac(kMacSeconds)), SignatureCheck::ok);
  EXPECT_EQ(verify(hmac(kMacMillis, "1732350000123")), SignatureCheck::ok);
  EXPECT_EQ(sign_vapi_hmac(kSecret, "1732350000", kBody), kMacSeconds);
  EXPECT_EQ(sign_vapi_hmac(kSecret, "1732350000123", kBody), kMacMillis);
  // A signaturePrefix is skipped; uppercase hex is the same digest.
  EXPECT_EQ(verify(hmac("sha256=" + std::string(kMacSeconds))), SignatureCheck::ok);
  EXPECT_EQ(verify(hmac("v1," + upper(std::string(kMacSeconds)))), SignatureCheck::ok);
}

TEST_F(VapiSignatureTest, HmacCredentialStaleBothDirectionsBothUnits) {
  for (const auto& [mac, ts] : {std::pair{kMacSeconds, "1732350000"}, std::pair{kMacMillis, "1732350000123"}}) {
    const UnixMillis at = std::string_view(ts).size() == 10 ? kSignedAt : kSignedAt + 123;
    EXPECT_EQ(verify_at(hmac(mac, ts), at + 5 * kMinute), SignatureCheck::ok) << ts;
    EXPECT_EQ(verify_at(hmac(mac, ts), at + 5 * kMinute + 1), SignatureCheck::stale) << ts;
    EXPECT_EQ(verify_at(hmac(mac, ts), at - 5 * kMinute), SignatureCheck::ok) << ts;
    EXPECT_EQ(verify_at(hmac(mac, ts), at - 5 * kMinute - 1), SignatureCheck::stale) << ts;
  }
}

TEST_F(VapiSignatureTest, HmacCredentialMismatches) {
  EXPECT_EQ(verify(hmac(kMacSeconds), "{}"), SignatureCheck::mismatch);
  EXPECT_EQ(verify(hmac(kMacSeconds, "1732350001")), SignatureCheck::mismatch);  // the timestamp is signed
  EXPECT_EQ(verify(hmac(kMacSeconds, "1732350000000")), SignatureCheck::mismatch);
  EXPECT_EQ(verify(hmac(kOldMacSeconds)), SignatureCheck::mismatch);
  EXPECT_EQ(verify_at(hmac(kOldMacSeconds), kSignedAt + 60 * kMinute), SignatureCheck::mismatch);
}

TEST_F(VapiSignatureTest, HmacCredentialMalformed) {
  const std::string mac(kMacSeconds);
  EXPECT_EQ(verify(Headers{{"x-signature", mac}}), SignatureCheck::malformed);  // no x-timestamp
  EXPECT_EQ(verify(hmac(mac, "")), SignatureCheck::malformed);
  EXPECT_EQ(verify(hmac(mac, "2024-11-23T08:20:00Z")), SignatureCheck::malformed);
  EXPECT_EQ(verify(hmac(mac, "-1732350000")), SignatureCheck::malformed);
  EXPECT_EQ(verify(hmac(mac.substr(1))), SignatureCheck::malformed);
  EXPECT_EQ(verify(hmac(mac.substr(2) + "zz")), SignatureCheck::malformed);
  EXPECT_EQ(verify(hmac(std::string(33, 'x') + mac)), SignatureCheck::malformed);  // prefix too long
  // sha512 (128 hex) is not supported: refused, never accepted.
  EXPECT_NE(verify(hmac(mac + mac)), SignatureCheck::ok);
}

TEST_F(VapiSignatureTest, BearerTokenCredential) {
  const std::string secret(kSecret);
  EXPECT_EQ(verify(Headers{{"Authorization", "Bearer " + secret}}), SignatureCheck::ok);
  EXPECT_EQ(verify(Headers{{"Authorization", "bearer  " + secret}}), SignatureCheck::ok);
  EXPECT_EQ(verify(Headers{{"Authorization", secret}}), SignatureCheck::ok);  // prefix turned off
  EXPECT_EQ(verify(Headers{{"Authorization", "Bearer " + std::string(kOldSecret)}}), SignatureCheck::mismatch);
  EXPECT_EQ(verify(Headers{{"Authorization", "Basic " + secret}}), SignatureCheck::mismatch);
  EXPECT_EQ(verify(Headers{{"Authorization", "Bearer"}}), SignatureCheck::mismatch);
  EXPECT_EQ(verify(Headers{{"Authorization", "Bearer  "}}), SignatureCheck::malformed);
}

TEST_F(VapiSignatureTest, PrecedenceSecretThenSignatureThenAuthorization) {
  const std::string secret(kSecret);
  // A wrong X-Vapi-Secret is not rescued by a good HMAC or bearer.
  Headers wrong_secret = hmac(kMacSeconds);
  wrong_secret.set("X-Vapi-Secret", "not-the-secret-at-all");
  wrong_secret.set("Authorization", "Bearer " + secret);
  EXPECT_EQ(verify(wrong_secret), SignatureCheck::mismatch);
  // A wrong x-signature is not rescued by a good bearer.
  Headers wrong_hmac = hmac(kOldMacSeconds);
  wrong_hmac.set("Authorization", "Bearer " + secret);
  EXPECT_EQ(verify(wrong_hmac), SignatureCheck::mismatch);
  // A good X-Vapi-Secret decides even when the rest is garbage.
  Headers good = hmac("garbage", "garbage");
  good.set("X-Vapi-Secret", secret);
  EXPECT_EQ(verify(good), SignatureCheck::ok);
}

TEST_F(VapiSignatureTest, RotatedSecretDuringGraceOnly) {
  const UnixMillis grace_ends = now_ + kMinute;
  add_secret(kOldSecret, grace_ends);
  EXPECT_EQ(verify_value(std::string(kOldSecret)), SignatureCheck::ok);
  EXPECT_EQ(verify(hmac(kOldMacSeconds)), SignatureCheck::ok);
  EXPECT_EQ(verify(Headers{{"Authorization", "Bearer " + std::string(kOldSecret)}}), SignatureCheck::ok);
  EXPECT_EQ(verify_value_at(std::string(kOldSecret), grace_ends), SignatureCheck::mismatch);
  EXPECT_EQ(verify_at(hmac(kOldMacSeconds), grace_ends), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value_at(std::string(kSecret), grace_ends), SignatureCheck::ok);
  only_secret("");  // anyone can compute an HMAC with an empty key
  EXPECT_EQ(verify(hmac(sign_vapi_hmac("", "1732350000", kBody))), SignatureCheck::mismatch);
  EXPECT_EQ(verify(Headers{{"X-Vapi-Secret", ""}, {"Authorization", ""}}), SignatureCheck::missing);
}

TEST_F(VapiSignatureTest, Missing) {
  EXPECT_EQ(verify(Headers{}), SignatureCheck::missing);
  EXPECT_EQ(verify(Headers{{"X-Vapi-Signature", std::string(kMacSeconds)}}), SignatureCheck::missing);
  EXPECT_EQ(verify(Headers{{"x-timestamp", "1732350000"}}), SignatureCheck::missing);
}

}  // namespace
}  // namespace voxfra::sigtest
