// Retell's X-Retell-Signature: v=<ms>,d=<hex HMAC-SHA256(api key, body + ms)>.
//
// Vectors (BODY and hm as in test_signature_support.h):
//   printf '%s' "${BODY}1732350000123" | hm key_retell_current_0001
//   printf '%s' "${BODY}1732350000123" | hm key_retell_previous_002
#include "auth/signature_retell.h"

#include "test_signature_support.h"

namespace voxfra::sigtest {
namespace {

constexpr std::string_view kKey = "key_retell_current_0001";
constexpr std::string_view kOldKey = "key_retell_previous_002";
constexpr std::string_view kMac = "8162635695c1f77757fc5dc6eb9bd2ed959222425267382d95a433efe5511939";
constexpr std::string_view kOldMac = "b032a5b22acd8a7e4e028ba466ba3d3dc57a845479a6c497b3ebbb398419bb01";
constexpr UnixMillis kSignedAt = 1732350000123;

std::string sig(std::string_view mac, std::string_view v = "1732350000123") {
  return "v=" + std::string(v) + ",d=" + std::string(mac);
}

class RetellSignatureTest : public SchemeTest {
 protected:
  RetellSignatureTest() : SchemeTest(retell_signature_scheme(), kSignedAt + 1234) { add_secret(kKey); }
};

TEST_F(RetellSignatureTest, IndependentVectorVerifies) {
  EXPECT_EQ(verify_value(sig(kMac)), SignatureCheck::ok);
  EXPECT_EQ(sign_retell(kKey, kSignedAt, kBody), sig(kMac));
  EXPECT_EQ(scheme_.name(), "retell");
  EXPECT_EQ(scheme_.header(), "X-Retell-Signature");
}

TEST_F(RetellSignatureTest, CaseAndSpacingTolerated) {
  // The SDK's pattern is case-insensitive: V=, D= and uppercase hex pass.
  EXPECT_EQ(verify_value("V=1732350000123,D=" + upper(std::string(kMac))), SignatureCheck::ok);
  EXPECT_EQ(verify_value(" d=" + std::string(kMac) + " , v=1732350000123 "), SignatureCheck::ok);
  Headers lower{{"x-retell-signature", sig(kMac)}};
  EXPECT_EQ(verify(lower), SignatureCheck::ok);
}

TEST_F(RetellSignatureTest, LeadingZerosSignedAsTheSdkDoes) {
  // Retell.verify signs body + Number(v): "01732350000123" is read as the
  // number and signed without the zero.
  EXPECT_EQ(verify_value(sig(kMac, "01732350000123")), SignatureCheck::ok);
}

TEST_F(RetellSignatureTest, StaleBothDirections) {
  const std::string h = sig(kMac);
  EXPECT_EQ(verify_value_at(h, kSignedAt + 5 * kMinute), SignatureCheck::ok);
  EXPECT_EQ(verify_value_at(h, kSignedAt + 5 * kMinute + 1), SignatureCheck::stale);
  EXPECT_EQ(verify_value_at(h, kSignedAt - 5 * kMinute), SignatureCheck::ok);
  EXPECT_EQ(verify_value_at(h, kSignedAt - 5 * kMinute - 1), SignatureCheck::stale);
  // Seconds where milliseconds belong: 1970, so stale (when genuine) or a mismatch.
  EXPECT_EQ(verify_value(sig(kMac, "1732350000")), SignatureCheck::mismatch);
}

TEST_F(RetellSignatureTest, Mismatches) {
  std::string body(kBody);
  body.back() = ' ';
  EXPECT_EQ(verify_value(sig(kMac), body), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(sig(kMac), std::string(kBody) + "\n"), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value(sig(kMac, "1732350000124")), SignatureCheck::mismatch);  // v is signed
  EXPECT_EQ(verify_value(sig(kOldMac)), SignatureCheck::mismatch);               // another key
  // A wrong key with a stale clock is a mismatch: stale means genuine.
  EXPECT_EQ(verify_value_at(sig(kOldMac), kSignedAt + 60 * kMinute), SignatureCheck::mismatch);
}

TEST_F(RetellSignatureTest, RotatedKeyDuringGraceOnly) {
  only_secret("key_retell_brand_new_0003");
  const UnixMillis grace_ends = now_ + kMinute;
  add_secret(kOldKey, grace_ends);
  add_secret(kKey, grace_ends);
  EXPECT_EQ(verify_value(sig(kOldMac)), SignatureCheck::ok);
  EXPECT_EQ(verify_value(sig(kMac)), SignatureCheck::ok);
  EXPECT_EQ(verify_value_at(sig(kOldMac), grace_ends - 1), SignatureCheck::ok);
  EXPECT_EQ(verify_value_at(sig(kOldMac), grace_ends), SignatureCheck::mismatch);
  EXPECT_EQ(verify_value_at(sig(kMac), grace_ends), SignatureCheck::mismatch);
}

TEST_F(RetellSignatureTest, NoUsableKeyNeverPasses) {
  only_secret("");
  EXPECT_EQ(verify_value(sign_retell("", kSignedAt, kBody)), SignatureCheck::mismatch);
  endpoint_.secret_count = 0;
  EXPECT_EQ(verify_value(sig(kMac)), SignatureCheck::mismatch);
}

TEST_F(RetellSignatureTest, Missing) {
  EXPECT_EQ(verify(Headers{}), SignatureCheck::missing);
  EXPECT_EQ(verify(Headers{{"X-Retell-Signature", ""}}), SignatureCheck::missing);
  EXPECT_EQ(verify(Headers{{"X-Webhook-Signature", sig(kMac)}}), SignatureCheck::missing);
}

TEST_F(RetellSignatureTest, Malformed) {
  const std::string mac(kMac);
  const std::string bad[] = {
      "garbage",
      mac,                                          // bare hex
      "v=1732350000123",                            // no d
      "d=" + mac,                                   // no v
      "v=,d=" + mac,                                // empty v
      "v=-1732350000123,d=" + mac,                  // sign
      "v=1.7e12,d=" + mac,                          // not digits
      "v=1234567890123456,d=" + mac,                // 16 digits
      "v=1732350000123,v=1732350000123,d=" + mac,   // two v
      "v=1732350000123,d=" + mac + ",d=" + mac,     // two d
      "v=1732350000123,d=" + mac.substr(1),         // 63 hex
      "v=1732350000123,d=" + mac + "0",             // 65 hex
      "v=1732350000123,d=" + mac.substr(2) + "zz",  // not hex
      "v=1732350000123,d=",                         // empty d
      "v=1732350000123;d=" + mac,                   // wrong separator
  };
  for (const std::string& h : bad) EXPECT_EQ(verify_value(h), SignatureCheck::malformed) << h;
}

}  // namespace
}  // namespace voxfra::sigtest
