// ElevenLabs' ElevenLabs-Signature: t=<s>,v0=<hex HMAC-SHA256(secret, "t.body")>.
//
// Vectors (BODY and hm as in test_signature_support.h):
//   printf '%s' "1732350001.${BODY}" | hm wsec_elevenlabs_current_01
//   printf '%s' "1732350001.${BODY}" | hm wsec_elevenlabs_previous_2
#include "auth/signature_elevenlabs.h"

#include "test_signature_support.h"

namespace voxfra::sigtest {
namespace {

constexpr std::string_view kSecret = "wsec_elevenlabs_current_01";
constexpr std::string_view kOldSecret = "wsec_elevenlabs_previous_2";
constexpr std::string_view kMac = "18f9645ea71c549f79e4d370142d51e1e3091056bcba17bdf9530b2310784964";
constexpr std::string_view kOldMac = "66e7c0089dd909e2a4208bfb02f32be4439e4ca96f01daa5b74286031b6be0b7";
constexpr std::int64_t kT = 1732350001;
constexpr UnixMillis kSignedAt = kT * 1000;

std::string sig(std::string_view mac, std::string_view t = "1732350001") {
  return "t=" + std::string(t) + ",v0=" + std::string(mac);
}

class ElevenLabsSignatureTest : public SchemeTest {
 protected:
  ElevenLabsSignatureTest() : SchemeTest(elevenlabs_signature_scheme(), kSignedAt + 2500) { add_secret(kSecret); }
};

TEST_F(ElevenLabsSignatureTest, IndependentVectorVerifies) {
  EXPECT_EQ(verify_value(sig(kMac)), SignatureCheck::ok);
  EXPECT_EQ(sign_elevenlabs(kSecret, kT, kBody), sig(kMac));
  EXPECT_EQ(scheme_.name(), "elevenlabs");
  EXPECT_EQ(scheme_.header(), "ElevenLabs-Signature");
}

TEST_F(ElevenLabsSignatureTest, AListOfSchemes) {
  // Other schemes are ignored; any v0 may match (a sender rotating its secret).
  const std::string mac(kMac);
  EXPECT_EQ(verify_value("t=1732350001,v1=" + std::string(64, 'a') + ",v0=" + mac), SignatureCheck::ok);
  EXPECT_EQ(verify_value("v0=" + std::string(kOldMac) + ",t=1732350001,v0=" + mac), SignatureCheck::ok);
  EXPECT_EQ(verify_value(" t=1732350001 , v0=" + upper(mac) + ",x=y,flag"), SignatureCheck::ok);
}

TEST_F(ElevenLabsSignatureTest, OnlyTooOldIsStale) {
  const std::string h = sig(kMac);
  EXPECT_EQ(verify_value_at(h, kSignedAt + 30 * kMinute), SignatureCheck::ok);
  EXPECT_EQ(verify_value_at(h, kSignedAt + 30 * kMinute + 1), SignatureCheck::stale);
  EXPECT_EQ(verify_value_at(h, kSignedAt + 24 * 60 * kMinute), SignatureCheck::stale);
  // No upper bound, as constructEvent: a sender clock ahead of ours is fine.
  EXPECT_EQ(verify_value_at(h, kSignedAt - 5 * kMinute), SignatureCheck::ok);
  EXPECT_EQ(verify_value_at(h, kSignedAt - 365LL * 24 * 60 * kMinute), SignatureCheck::ok);
}

TEST_F(ElevenLabsSignatureTest, Mismatches) {
  std::string body(kBody);
  body[2] = 'E';
  EXPECT_EQ(verify_value(sig(kMac), body), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(sig(kMac, "1732350002")), SignatureCheck::mismatch);   // t is signed
  EXPECT_EQ(verify_value(sig(kMac, "01732350001")), SignatureCheck::mismatch);  // as sent
  EXPECT_EQ(verify_value(sig(kOldMac)), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value_at(sig(kOldMac), kSignedAt + 60 * kMinute), SignatureCheck::mismatch);
}

TEST_F(ElevenLabsSignatureTest, RotatedSecretDuringGraceOnly) {
  const UnixMillis grace_ends = now_ + kMinute;
  add_secret(kOldSecret, grace_ends);
  EXPECT_EQ(verify_value(sig(kOldMac)), SignatureCheck::ok);
  EXPECT_EQ(verify_value_at(sig(kOldMac), grace_ends), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value_at(sig(kMac), grace_ends), SignatureCheck::ok);
}

TEST_F(ElevenLabsSignatureTest, Missing) {
  EXPECT_EQ(verify(Headers{}), SignatureCheck::missing);
  EXPECT_EQ(verify(Headers{{"X-ElevenLabs-Signature", sig(kMac)}}), SignatureCheck::missing);
}

TEST_F(ElevenLabsSignatureTest, Malformed) {
  const std::string mac(kMac);
  const std::string bad[] = {
      "garbage",
      "v0=" + mac,                              // no t
      "t=1732350001",                           // no v0
      "t=1732350001,v1=" + mac,                 // no v0 (another scheme only)
      "t=abc,v0=" + mac,                        // t not digits
      "t=1732350001.5,v0=" + mac,               // fraction
      "t=1234567890123456,v0=" + mac,           // 16 digits
      "t=1732350001,t=1732350001,v0=" + mac,    // two t
      "t=1732350001,v0=" + mac.substr(1),       // 63 hex
      "t=1732350001,v0=" + mac + ",v0=zz",      // one bad v0
      "t=1732350001,v0=sha256=" + mac,          // prefixed
  };
  for (const std::string& h : bad) EXPECT_EQ(verify_value(h), SignatureCheck::malformed) << h;
}

}  // namespace
}  // namespace voxfra::sigtest
