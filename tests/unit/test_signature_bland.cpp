// Bland's X-Webhook-Signature: <hex HMAC-SHA256(secret, raw body)>, no timestamp.
//
// Vectors (BODY and hm as in test_signature_support.h):
//   printf '%s' "${BODY}" | hm bland_signing_secret_cur_01
//   printf '%s' "${BODY}" | hm bland_signing_secret_old_02
#include "auth/signature_bland.h"

#include "test_signature_support.h"

namespace voxfra::sigtest {
namespace {

constexpr std::string_view kSecret = "bland_signing_secret_cur_01";
constexpr std::string_view kOldSecret = "bland_signing_secret_old_02";
constexpr std::string_view kMac = "34ca82bd7916692124a30f9eb6d45b1971116b0ce859e53af78ad5d49e2ad8d6";
constexpr std::string_view kOldMac = "b50830bb10afa4957f129c40f13fdad1cf94d7519afe2b57e13153d3a54d1ff0";
constexpr UnixMillis kNow = 1732350000123;

class BlandSignatureTest : public SchemeTest {
 protected:
  BlandSignatureTest() : SchemeTest(bland_signature_scheme(), kNow) { add_secret(kSecret); }
};

TEST_F(BlandSignatureTest, IndependentVectorVerifies) {
  EXPECT_EQ(verify_value(std::string(kMac)), SignatureCheck::ok);
  EXPECT_EQ(verify_value(upper(std::string(kMac))), SignatureCheck::ok);
  EXPECT_EQ(sign_bland(kSecret, kBody), kMac);
  EXPECT_EQ(scheme_.name(), "bland");
  EXPECT_EQ(scheme_.header(), "X-Webhook-Signature");
}

TEST_F(BlandSignatureTest, NoTimestampSoNeverStale) {
  EXPECT_EQ(verify_value_at(std::string(kMac), kNow + 365LL * 24 * 60 * kMinute), SignatureCheck::ok);
}

TEST_F(BlandSignatureTest, Mismatches) {
  EXPECT_EQ(verify_value(std::string(kMac), std::string(kBody) + " "), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(std::string(kMac), "{}"), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(std::string(kOldMac)), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(std::string(64, '0')), SignatureCheck::mismatch);
}

TEST_F(BlandSignatureTest, RotatedSecretDuringGraceOnly) {
  const UnixMillis grace_ends = kNow + kMinute;
  add_secret(kOldSecret, grace_ends);
  EXPECT_EQ(verify_value(std::string(kOldMac)), SignatureCheck::ok);
  EXPECT_EQ(verify_value_at(std::string(kOldMac), grace_ends), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value_at(std::string(kMac), grace_ends), SignatureCheck::ok);
  only_secret("");
  EXPECT_EQ(verify_value(sign_bland("", kBody)), SignatureCheck::mismatch);
}

TEST_F(BlandSignatureTest, MissingAndMalformed) {
  EXPECT_EQ(verify(Headers{}), SignatureCheck::missing);
  EXPECT_EQ(verify(Headers{{"X-Bland-Signature", std::string(kMac)}}), SignatureCheck::missing);
  const std::string mac(kMac);
  for (const std::string& h : {mac.substr(1), mac + "0", "sha256=" + mac, "t=1,v1=" + mac, mac.substr(2) + "zz",
                               std::string("garbage")}) {
    EXPECT_EQ(verify_value(h), SignatureCheck::malformed) << h;
  }
}

}  // namespace
}  // namespace voxfra::sigtest
