// VoxPria: X-Voxpria-Signature: sha256=<hex HMAC(secret, body)>, or, when that
// header is absent, X-Webhook-Signature: t=<s>,v1=<hex HMAC(secret, "t.body")>.
//
// Vectors (BODY and hm as in test_signature_support.h):
//   printf '%s' "${BODY}" | hm voxpria_secret_current_001
//   printf '%s' "${BODY}" | hm voxpria_secret_previous_02
//   printf '%s' "1732350000.${BODY}" | hm voxpria_secret_current_001
#include "auth/signature_voxpria.h"

#include "test_signature_support.h"

namespace voxfra::sigtest {
namespace {

constexpr std::string_view kSecret = "voxpria_secret_current_001";
constexpr std::string_view kOldSecret = "voxpria_secret_previous_02";
constexpr std::string_view kMac = "480d70d19e30fac87b506dcc7154f95ff17dd937c9594ebe42ddc177f6018f49";
constexpr std::string_view kOldMac = "a978f7acf9f283f0e7755fc2e2de373417fdbe1329920eb96360abf4e3d23ef5";
constexpr std::string_view kTimedMac = "d437a1d48a42f6535f7f4eecf0b171ba469a6337544681fea91e1dde09cba9e2";
constexpr std::int64_t kT = 1732350000;
constexpr UnixMillis kSignedAt = kT * 1000;

std::string sha(std::string_view mac) { return "sha256=" + std::string(mac); }
std::string timed(std::string_view mac, std::string_view t = "1732350000") {
  return "t=" + std::string(t) + ",v1=" + std::string(mac);
}

class VoxpriaSignatureTest : public SchemeTest {
 protected:
  VoxpriaSignatureTest() : SchemeTest(voxpria_signature_scheme(), kSignedAt + 900) { add_secret(kSecret); }
  SignatureCheck verify_timed(const std::string& value, UnixMillis now) const {
    return verify_at(Headers{{"X-Webhook-Signature", value}}, now);
  }
};

TEST_F(VoxpriaSignatureTest, Sha256FormVerifies) {
  EXPECT_EQ(verify_value(sha(kMac)), SignatureCheck::ok);
  EXPECT_EQ(verify_value(std::string(kMac)), SignatureCheck::ok);  // without the prefix
  EXPECT_EQ(sign_voxpria(kSecret, kBody), sha(kMac));
  EXPECT_EQ(verify_value_at(sha(kMac), kSignedAt + 365LL * 24 * 60 * kMinute), SignatureCheck::ok);  // no timestamp
  EXPECT_EQ(scheme_.name(), "voxpria");
  EXPECT_EQ(scheme_.header(), "X-Voxpria-Signature");
}

TEST_F(VoxpriaSignatureTest, TimestampedFormVerifies) {
  EXPECT_EQ(verify_timed(timed(kTimedMac), now_), SignatureCheck::ok);
  EXPECT_EQ(sign_voxpria_timestamped(kSecret, kT, kBody), timed(kTimedMac));
  EXPECT_EQ(verify_timed("v1=" + std::string(64, 'f') + ", " + timed(kTimedMac), now_), SignatureCheck::ok);
}

TEST_F(VoxpriaSignatureTest, TimestampedStaleBothDirections) {
  const std::string h = timed(kTimedMac);
  EXPECT_EQ(verify_timed(h, kSignedAt + 5 * kMinute), SignatureCheck::ok);
  EXPECT_EQ(verify_timed(h, kSignedAt + 5 * kMinute + 1), SignatureCheck::stale);
  EXPECT_EQ(verify_timed(h, kSignedAt - 5 * kMinute), SignatureCheck::ok);
  EXPECT_EQ(verify_timed(h, kSignedAt - 5 * kMinute - 1), SignatureCheck::stale);
}

TEST_F(VoxpriaSignatureTest, FirstHeaderDecides) {
  // X-Voxpria-Signature present: X-Webhook-Signature is not consulted.
  Headers both{{"X-Voxpria-Signature", sha(kOldMac)}, {"X-Webhook-Signature", timed(kTimedMac)}};
  EXPECT_EQ(verify(both), SignatureCheck::mismatch);
  Headers both_ok{{"X-Voxpria-Signature", sha(kMac)}, {"X-Webhook-Signature", "garbage"}};
  EXPECT_EQ(verify(both_ok), SignatureCheck::ok);
}

TEST_F(VoxpriaSignatureTest, Mismatches) {
  EXPECT_EQ(verify_value(sha(kMac), "{}"), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(sha(kOldMac)), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(sha(kTimedMac)), SignatureCheck::mismatch);  // the timed digest is another message
  EXPECT_EQ(verify_timed(timed(kMac), now_), SignatureCheck::mismatch);
  EXPECT_EQ(verify_timed(timed(kTimedMac, "1732350001"), now_), SignatureCheck::mismatch);
}

TEST_F(VoxpriaSignatureTest, RotatedSecretDuringGraceOnly) {
  const UnixMillis grace_ends = now_ + kMinute;
  add_secret(kOldSecret, grace_ends);
  EXPECT_EQ(verify_value(sha(kOldMac)), SignatureCheck::ok);
  EXPECT_EQ(verify_value_at(sha(kOldMac), grace_ends), SignatureCheck::mismatch);
}

TEST_F(VoxpriaSignatureTest, MissingAndMalformed) {
  EXPECT_EQ(verify(Headers{}), SignatureCheck::missing);
  EXPECT_EQ(verify(Headers{{"X-Voxpria-Signature", ""}, {"X-Webhook-Signature", ""}}), SignatureCheck::missing);
  const std::string mac(kMac);
  for (const std::string& h : {"sha256=" + mac.substr(1), "sha1=" + mac, "sha256=" + mac + "00", "t=1,v1=" + mac}) {
    EXPECT_EQ(verify_value(h), SignatureCheck::malformed) << h;
  }
  for (const std::string& h : {mac, std::string("t=1732350000"), "v1=" + mac, "t=x,v1=" + mac, "t=1732350000,v1=" + mac + "0"}) {
    EXPECT_EQ(verify_timed(h, now_), SignatureCheck::malformed) << h;
  }
}

}  // namespace
}  // namespace voxfra::sigtest
