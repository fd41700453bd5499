// VoiceInfra's X-VoiceInfra-Signature: <hex HMAC-SHA256(secret, raw body)>.
//
// Vectors (BODY and hm as in test_signature_support.h):
//   printf '%s' "${BODY}" | hm voiceinfra_secret_current1
//   printf '%s' "${BODY}" | hm voiceinfra_secret_previous
#include "auth/signature_voiceinfra.h"

#include "test_signature_support.h"

namespace voxfra::sigtest {
namespace {

constexpr std::string_view kSecret = "voiceinfra_secret_current1";
constexpr std::string_view kOldSecret = "voiceinfra_secret_previous";
constexpr std::string_view kMac = "aa5dd4cefbfd3b259f8e5f6d60a3cf3ce5d70369f32b48aa54cb611676b8cbbb";
constexpr std::string_view kOldMac = "de0b1b44e90fb8ed7d4df0b9e0246f5f1ee472da7c911a8ad363781756de6ec6";
constexpr UnixMillis kNow = 1732350000123;

class VoiceInfraSignatureTest : public SchemeTest {
 protected:
  VoiceInfraSignatureTest() : SchemeTest(voiceinfra_signature_scheme(), kNow) { add_secret(kSecret); }
};

TEST_F(VoiceInfraSignatureTest, IndependentVectorVerifies) {
  EXPECT_EQ(verify_value(std::string(kMac)), SignatureCheck::ok);
  EXPECT_EQ(verify(Headers{{"x-voiceinfra-signature", upper(std::string(kMac))}}), SignatureCheck::ok);
  EXPECT_EQ(sign_voiceinfra(kSecret, kBody), kMac);
  EXPECT_EQ(scheme_.name(), "voiceinfra");
  EXPECT_EQ(scheme_.header(), "X-VoiceInfra-Signature");
}

TEST_F(VoiceInfraSignatureTest, Mismatches) {
  std::string body(kBody);
  body.pop_back();
  EXPECT_EQ(verify_value(std::string(kMac), body), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(std::string(kOldMac)), SignatureCheck::mismatch);
  // Bland's secret and digest are not VoiceInfra's.
  EXPECT_EQ(verify_value("34ca82bd7916692124a30f9eb6d45b1971116b0ce859e53af78ad5d49e2ad8d6"),
            SignatureCheck::mismatch);
}

TEST_F(VoiceInfraSignatureTest, RotatedSecretDuringGraceOnly) {
  only_secret("voiceinfra_secret_next_0003");
  const UnixMillis grace_ends = kNow + kMinute;
  add_secret(kOldSecret, grace_ends);
  EXPECT_EQ(verify_value(std::string(kOldMac)), SignatureCheck::ok);
  EXPECT_EQ(verify_value_at(std::string(kOldMac), grace_ends), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(std::string(kMac)), SignatureCheck::mismatch);
}

TEST_F(VoiceInfraSignatureTest, MissingAndMalformed) {
  EXPECT_EQ(verify(Headers{}), SignatureCheck::missing);
  EXPECT_EQ(verify(Headers{{"X-Webhook-Signature", std::string(kMac)}}), SignatureCheck::missing);
  const std::string mac(kMac);
  for (const std::string& h : {mac.substr(1), mac + "00", "sha256=" + mac, mac.substr(2) + "g0"}) {
    EXPECT_EQ(verify_value(h), SignatureCheck::malformed) << h;
  }
}

}  // namespace
}  // namespace voxfra::sigtest
