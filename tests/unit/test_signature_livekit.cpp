// LiveKit: Authorization holds an HS256 JWT keyed with the API secret; iss is
// the API key, exp/nbf are checked with a minute of skew, and the sha256 claim
// is base64(SHA-256(raw body)).
//
// Every token was built with openssl only (BODY as in test_signature_support.h):
//   b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
//   jwt() {  # jwt SECRET HEADER_JSON PAYLOAD_JSON [DIGEST]
//     local h p; h=$(printf '%s' "$2" | b64url); p=$(printf '%s' "$3" | b64url)
//     local s; s=$(printf '%s' "$h.$p" | openssl dgst -${4:-sha256} -hmac "$1" -binary | b64url)
//     printf '%s.%s.%s\n' "$h" "$p" "$s"; }
//   SHA=$(printf '%s' "$BODY" | openssl dgst -sha256 -binary | openssl base64 -A)
//     # = jbFjjC2PtpzPP9K82dsTDgpbxKiodP+jE+MLcBOpK44=
//   OTHER=$(printf '%s' '{"event":"room_finished"}' | openssl dgst -sha256 -binary | openssl base64 -A)
//   HS='{"alg":"HS256","typ":"JWT"}'; S=lk_api_secret_current_0123456789
//   C='"iss":"APIvoxfra1","nbf":1732350000,"exp":1732350300'
//   kValid           jwt $S "$HS" '{"sha256":"'$SHA'",'"$C"'}'
//   kOldSecretToken  jwt lk_api_secret_previous_987654321 "$HS" '{"sha256":"'$SHA'",'"$C"'}'
//   kWrongIss        jwt $S "$HS" '{"sha256":"'$SHA'","iss":"APIsomeoneelse","nbf":1732350000,"exp":1732350300}'
//   kNoIss           jwt $S "$HS" '{"sha256":"'$SHA'","nbf":1732350000,"exp":1732350300}'
//   kOtherBodySha    jwt $S "$HS" '{"sha256":"'$OTHER'",'"$C"'}'
//   kJoinToken       jwt $S "$HS" '{"video":{"roomJoin":true,"room":"support"},"sub":"caller","iss":"APIvoxfra1","nbf":1732350000,"exp":1732371600}'
//   kUrlAlphabetSha  jwt $S "$HS" '{"sha256":"'$(printf '%s' "$SHA" | tr '+/' '-_')'",'"$C"'}'
//   kUnpaddedSha     jwt $S "$HS" '{"sha256":"'$(printf '%s' "$SHA" | tr -d '=')'",'"$C"'}'
//   kNoExp           jwt $S "$HS" '{"sha256":"'$SHA'","iss":"APIvoxfra1","nbf":1732350000}'
//   kStringExp       jwt $S "$HS" '{"sha256":"'$SHA'","iss":"APIvoxfra1","nbf":1732350000,"exp":"1732350300"}'
//   kFractionalExp   jwt $S "$HS" '{"sha256":"'$SHA'","iss":"APIvoxfra1","exp":1732350300.5}'
//   kNoNbf           jwt $S "$HS" '{"sha256":"'$SHA'","iss":"APIvoxfra1","exp":1732350300}'
//   kNumericIss      jwt $S "$HS" '{"sha256":"'$SHA'","iss":42,"exp":1732350300}'
//   kHs512           jwt $S '{"alg":"HS512","typ":"JWT"}' '{"sha256":"'$SHA'",'"$C"'}' sha512
//   kCrit            jwt $S '{"alg":"HS256","crit":["exp"],"exp":1}' '{"sha256":"'$SHA'",'"$C"'}'
//   kArrayPayload    jwt $S "$HS" '["iss","APIvoxfra1"]'
//   kAlgNone         (the header and payload of jwt with '{"alg":"none","typ":"JWT"}', an empty signature)
//   kAlgNoneSigned   jwt $S '{"alg":"none","typ":"JWT"}' '{"sha256":"'$SHA'",'"$C"'}'
#include "auth/signature_livekit.h"

#include <simdjson.h>

#include "util/hmac.h"
#include "test_signature_support.h"

namespace voxfra::sigtest {
namespace {

constexpr std::string_view kApiKey = "APIvoxfra1";
constexpr std::string_view kSecret = "lk_api_secret_current_0123456789";
constexpr std::string_view kOldSecret = "lk_api_secret_previous_987654321";
constexpr std::string_view kBodySha = "jbFjjC2PtpzPP9K82dsTDgpbxKiodP+jE+MLcBOpK44=";
constexpr UnixMillis kNbf = 1732350000LL * 1000;
constexpr UnixMillis kExp = 1732350300LL * 1000;
constexpr std::string_view kValid =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsImlzcyI6IkFQSXZveGZyYTEiLCJuYmYiOjE3MzIzNTAwMDAsImV4cCI6MTczMjM1MDMwMH0.itQK_X3esWSVJvnDp8RetviuvLHbQejA9dNf1tiytlE";
constexpr std::string_view kOldSecretToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsImlzcyI6IkFQSXZveGZyYTEiLCJuYmYiOjE3MzIzNTAwMDAsImV4cCI6MTczMjM1MDMwMH0.GVMF4YDr4QL4j8xDdbGwCLonoUF0cnzZZtLjN3R2_44";
constexpr std::string_view kWrongIss =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsImlzcyI6IkFQSXNvbWVvbmVlbHNlIiwibmJmIjoxNzMyMzUwMDAwLCJleHAiOjE3MzIzNTAzMDB9.fgrnEojViHKlYKVvtWYupoKDx50OaJllrKtEkp6Y3F0";
constexpr std::string_view kNoIss =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsIm5iZiI6MTczMjM1MDAwMCwiZXhwIjoxNzMyMzUwMzAwfQ.KwJC43bcS7KECqnBs-hbRZc5uOyKaL5ydnwPL424dig";
constexpr std::string_view kOtherBodySha =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiIrSWdhVEZjWjhKa0pVOUJqQVhVczFYUCtiWU5Ya0FsZ3JUN3ZWNXpkRFdJPSIsImlzcyI6IkFQSXZveGZyYTEiLCJuYmYiOjE3MzIzNTAwMDAsImV4cCI6MTczMjM1MDMwMH0.859NauUml8_IAWNSPCnl3SGomvf449AApMP576BXEk0";
constexpr std::string_view kJoinToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ2aWRlbyI6eyJyb29tSm9pbiI6dHJ1ZSwicm9vbSI6InN1cHBvcnQifSwic3ViIjoiY2FsbGVyIiwiaXNzIjoiQVBJdm94ZnJhMSIsIm5iZiI6MTczMjM1MDAwMCwiZXhwIjoxNzMyMzcxNjAwfQ.b1ozSDFNAuwpYw6JUxw0b7gCU7ykcUr5AHSxanPgXrI";
constexpr std::string_view kUrlAlphabetSha =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFAtakUtTUxjQk9wSzQ0PSIsImlzcyI6IkFQSXZveGZyYTEiLCJuYmYiOjE3MzIzNTAwMDAsImV4cCI6MTczMjM1MDMwMH0.DVdHKDzMOZ1Z4q6EYQpwU_5yTvFxX44U_6Ta8s6Wxzo";
constexpr std::string_view kUnpaddedSha =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0IiwiaXNzIjoiQVBJdm94ZnJhMSIsIm5iZiI6MTczMjM1MDAwMCwiZXhwIjoxNzMyMzUwMzAwfQ.HygBjWz4cMWre6_F36duFdVQJADCKu1pAOmKHkdtvJI";
constexpr std::string_view kNoExp =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsImlzcyI6IkFQSXZveGZyYTEiLCJuYmYiOjE3MzIzNTAwMDB9.LJ0i0km1CwtxnVVBiqsATjUgOBCjrn1hawr0Xixuec0";
constexpr std::string_view kStringExp =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsImlzcyI6IkFQSXZveGZyYTEiLCJuYmYiOjE3MzIzNTAwMDAsImV4cCI6IjE3MzIzNTAzMDAifQ.7ii0OZAew_LT1pcUv29I1-DON-6Sx96TBqlKDynqP5M";
constexpr std::string_view kFractionalExp =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsImlzcyI6IkFQSXZveGZyYTEiLCJleHAiOjE3MzIzNTAzMDAuNX0.1DauUhLUuVu7IF2_FPBN2i9zb1VLVgqL07dDg8CAjek";
constexpr std::string_view kNoNbf =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsImlzcyI6IkFQSXZveGZyYTEiLCJleHAiOjE3MzIzNTAzMDB9.CZPfE_iux20uiz9CAhBaVjhjjBsWyZi66CAFSUMHEp8";
constexpr std::string_view kNumericIss =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsImlzcyI6NDIsImV4cCI6MTczMjM1MDMwMH0.pV6tYI0dPwyxROYYad4RNI6VMI9_fQ5ZnazLPPYExXE";
constexpr std::string_view kHs512 =
    "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsImlzcyI6IkFQSXZveGZyYTEiLCJuYmYiOjE3MzIzNTAwMDAsImV4cCI6MTczMjM1MDMwMH0.S3JDx-vrMSOxvGlXJHBO6yhvpNQMRyRLV4cg97tzrQxn5Otuw1cle61EEG93HL9jO1xnyCTk3mYQE7yMAH-DWQ";
constexpr std::string_view kCrit =
    "eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiZXhwIl0sImV4cCI6MX0.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsImlzcyI6IkFQSXZveGZyYTEiLCJuYmYiOjE3MzIzNTAwMDAsImV4cCI6MTczMjM1MDMwMH0.wYaj5EbauMcD9iitoaJcDgS4v3fkGtYuPY9hsuUsXdY";
constexpr std::string_view kArrayPayload =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.WyJpc3MiLCJBUEl2b3hmcmExIl0.RtoqKjRoTm-_ZHK_J859YGuY7JfNPbLaTGu4l8l0Omw";
constexpr std::string_view kAlgNone =
    "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsImlzcyI6IkFQSXZveGZyYTEiLCJuYmYiOjE3MzIzNTAwMDAsImV4cCI6MTczMjM1MDMwMH0.";
constexpr std::string_view kAlgNoneSigned =
    "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzaGEyNTYiOiJqYkZqakMyUHRwelBQOUs4MmRzVERncGJ4S2lvZFArakUrTUxjQk9wSzQ0PSIsImlzcyI6IkFQSXZveGZyYTEiLCJuYmYiOjE3MzIzNTAwMDAsImV4cCI6MTczMjM1MDMwMH0.IB8mjUNvi-4Y9fByBATuFTv8TEjhXJFAl0X-ipAG9cE";

class LiveKitSignatureTest : public SchemeTest {
 protected:
  LiveKitSignatureTest() : SchemeTest(livekit_signature_scheme(), kNbf + 1500) {
    add_secret(kSecret);
    endpoint_.api_key = kApiKey;
  }
  SignatureCheck token(std::string_view jwt, std::string_view body = kBody) const {
    return verify_value(std::string(jwt), body);
  }
  SignatureCheck token_at(std::string_view jwt, UnixMillis now) const {
    return verify_value_at(std::string(jwt), now);
  }
};

TEST_F(LiveKitSignatureTest, IndependentTokenVerifies) {
  EXPECT_EQ(token(kValid), SignatureCheck::ok);
  EXPECT_EQ(base64_encode(sha256(kBody)), kBodySha);
  EXPECT_EQ(scheme_.name(), "livekit");
  EXPECT_EQ(scheme_.header(), "Authorization");
}

TEST_F(LiveKitSignatureTest, BearerPrefixTolerated) {
  EXPECT_EQ(token("Bearer " + std::string(kValid)), SignatureCheck::ok);
  EXPECT_EQ(token("bearer " + std::string(kValid)), SignatureCheck::ok);
  EXPECT_EQ(token("Basic " + std::string(kValid)), SignatureCheck::malformed);
}

TEST_F(LiveKitSignatureTest, OurSignerMatchesOpenssl) {
  const std::string payload = "{\"sha256\":\"" + std::string(kBodySha) +
                              "\",\"iss\":\"APIvoxfra1\",\"nbf\":1732350000,\"exp\":1732350300}";
  EXPECT_EQ(sign_jwt_hs256(kSecret, payload), kValid);
  const std::string claims = livekit_webhook_claims(kApiKey, 1732350000, 1732350300, kBody);
  EXPECT_EQ(claims, "{\"iss\":\"APIvoxfra1\",\"nbf\":1732350000,\"exp\":1732350300,\"sha256\":\"" +
                        std::string(kBodySha) + "\"}");
  EXPECT_EQ(token(sign_jwt_hs256(kSecret, claims)), SignatureCheck::ok);
}

TEST_F(LiveKitSignatureTest, ExpiryAndNotBeforeWithAMinuteOfSkew) {
  EXPECT_EQ(token_at(kValid, kExp - 1), SignatureCheck::ok);
  EXPECT_EQ(token_at(kValid, kExp + kLiveKitClockSkewMs - 1), SignatureCheck::ok);
  EXPECT_EQ(token_at(kValid, kExp + kLiveKitClockSkewMs), SignatureCheck::stale);
  EXPECT_EQ(token_at(kValid, kExp + 24 * 60 * kMinute), SignatureCheck::stale);
  EXPECT_EQ(token_at(kValid, kNbf - kLiveKitClockSkewMs), SignatureCheck::ok);
  EXPECT_EQ(token_at(kValid, kNbf - kLiveKitClockSkewMs - 1), SignatureCheck::stale);
  // nbf is optional, a fractional exp is a NumericDate too.
  EXPECT_EQ(token(kNoNbf), SignatureCheck::ok);
  EXPECT_EQ(token_at(kNoNbf, 0), SignatureCheck::ok);
  EXPECT_EQ(token(kFractionalExp), SignatureCheck::ok);
  EXPECT_EQ(token_at(kFractionalExp, kExp + 500 + kLiveKitClockSkewMs - 1), SignatureCheck::ok);
  EXPECT_EQ(token_at(kFractionalExp, kExp + 500 + kLiveKitClockSkewMs), SignatureCheck::stale);
}

TEST_F(LiveKitSignatureTest, IssuerMustBeTheEndpointsApiKey) {
  EXPECT_EQ(token(kWrongIss), SignatureCheck::mismatch);
  EXPECT_EQ(token(kNoIss), SignatureCheck::mismatch);
  endpoint_.api_key = "APIvoxfra2";
  EXPECT_EQ(token(kValid), SignatureCheck::mismatch);
  endpoint_.api_key = {};  // an endpoint without --api-key verifies nothing
  EXPECT_EQ(token(kValid), SignatureCheck::mismatch);
}

TEST_F(LiveKitSignatureTest, TheTokenMustBindThisBody) {
  EXPECT_EQ(token(kOtherBodySha), SignatureCheck::mismatch);
  EXPECT_EQ(token(kValid, "{\"event\":\"room_finished\"}"), SignatureCheck::mismatch);
  EXPECT_EQ(token(kValid, std::string(kBody) + " "), SignatureCheck::mismatch);
  // Any other token of the key, e.g. a client's room-join token, is genuine
  // but says nothing about the body.
  EXPECT_EQ(token(kJoinToken), SignatureCheck::mismatch);
  // The SDK compares base64 text with padding and the standard alphabet.
  EXPECT_EQ(token(kUrlAlphabetSha), SignatureCheck::malformed);
  EXPECT_EQ(token(kUnpaddedSha), SignatureCheck::malformed);
  // Expired and for another body: a mismatch (stale means genuine for this body).
  EXPECT_EQ(token_at(kOtherBodySha, kExp + 60 * kMinute), SignatureCheck::mismatch);
}

TEST_F(LiveKitSignatureTest, OnlyHs256) {
  EXPECT_EQ(token(kAlgNone), SignatureCheck::malformed);
  EXPECT_EQ(token(kAlgNoneSigned), SignatureCheck::malformed);
  EXPECT_EQ(token(kHs512), SignatureCheck::malformed);
  EXPECT_EQ(token(kCrit), SignatureCheck::malformed);
}

TEST_F(LiveKitSignatureTest, WrongSecretOrTamperedIsAMismatch) {
  EXPECT_EQ(token(kOldSecretToken), SignatureCheck::mismatch);
  only_secret("lk_api_secret_someone_elses_000");
  EXPECT_EQ(token(kValid), SignatureCheck::mismatch);
  only_secret(kSecret);
  // kValid's header and signature around kWrongIss's payload.
  const std::string valid(kValid), other(kWrongIss);
  const std::string spliced = valid.substr(0, valid.find('.') + 1) +
                              other.substr(other.find('.') + 1, other.rfind('.') - other.find('.') - 1) +
                              valid.substr(valid.rfind('.'));
  EXPECT_EQ(token(spliced), SignatureCheck::mismatch);
  std::string flipped = valid;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(token(flipped), SignatureCheck::mismatch);
}

TEST_F(LiveKitSignatureTest, RotatedSecretDuringGraceOnly) {
  const UnixMillis grace_ends = now_ + kMinute;
  add_secret(kOldSecret, grace_ends);
  EXPECT_EQ(token(kOldSecretToken), SignatureCheck::ok);
  EXPECT_EQ(token_at(kOldSecretToken, grace_ends - 1), SignatureCheck::ok);
  EXPECT_EQ(token_at(kOldSecretToken, grace_ends), SignatureCheck::mismatch);
  EXPECT_EQ(token_at(kValid, grace_ends), SignatureCheck::ok);
  only_secret("");
  EXPECT_EQ(token(sign_jwt_hs256("", livekit_webhook_claims(kApiKey, 1732350000, 1732350300, kBody))),
            SignatureCheck::mismatch);
}

TEST_F(LiveKitSignatureTest, MalformedClaims) {
  EXPECT_EQ(token(kNoExp), SignatureCheck::malformed);
  EXPECT_EQ(token(kStringExp), SignatureCheck::malformed);
  EXPECT_EQ(token(kNumericIss), SignatureCheck::malformed);
  EXPECT_EQ(token(kArrayPayload), SignatureCheck::malformed);
  // Claims that are not JSON, signed with the secret by our signer.
  EXPECT_EQ(token(sign_jwt_hs256(kSecret, "not json")), SignatureCheck::malformed);
  EXPECT_EQ(token(sign_jwt_hs256(kSecret, "{\"iss\":\"APIvoxfra1\",")), SignatureCheck::malformed);
  EXPECT_EQ(token(sign_jwt_hs256(kSecret, "{\"iss\":\"APIvoxfra1\",\"exp\":1732350300,\"sha256\":7}")),
            SignatureCheck::malformed);
  EXPECT_EQ(token(sign_jwt_hs256(kSecret, "{\"iss\":\"APIvoxfra1\",\"exp\":1e400,\"sha256\":\"x\"}")),
            SignatureCheck::malformed);
}

TEST_F(LiveKitSignatureTest, MalformedShapes) {
  const std::string valid(kValid);
  const std::string head = valid.substr(0, valid.find('.'));
  const std::string sig = valid.substr(valid.rfind('.') + 1);
  const std::string bad[] = {
      "garbage",
      "a.b",
      "..",
      valid + ".",                                          // four parts
      valid + "=",                                          // padded signature
      head + "==." + valid.substr(valid.find('.') + 1),     // padded header
      "e30." + valid.substr(valid.find('.') + 1),           // header {} (no alg)
      "bm90IGpzb24." + valid.substr(valid.find('.') + 1),   // header "not json"
      "W10." + valid.substr(valid.find('.') + 1),           // header []
      valid.substr(0, valid.rfind('.') + 1),                // empty signature
      valid.substr(0, valid.size() - 2),                    // signature of 31 bytes
      valid + "AA",                                         // signature of 33 bytes
      valid.substr(0, valid.rfind('.') + 1) + "+" + sig.substr(1),  // '+' is not base64url
      " " + valid,
      "Bearer ",
  };
  for (const std::string& h : bad) EXPECT_EQ(token(h), SignatureCheck::malformed) << h;
}

TEST_F(LiveKitSignatureTest, OversizedPartsAreMalformed) {
  const std::string big(kLiveKitMaxJsonBytes, 'a');
  const std::string header = base64_encode(as_bytes("{\"alg\":\"HS256\",\"x\":\"" + big + "\"}"), Base64Alphabet::url, false);
  const std::string valid(kValid);
  EXPECT_EQ(token(header + valid.substr(valid.find('.'))), SignatureCheck::malformed);
  const std::string payload = "{\"iss\":\"APIvoxfra1\",\"exp\":1732350300,\"x\":\"" + big + "\"}";
  EXPECT_EQ(token(sign_jwt_hs256(kSecret, payload)), SignatureCheck::malformed);
}

TEST_F(LiveKitSignatureTest, Missing) {
  EXPECT_EQ(verify(Headers{}), SignatureCheck::missing);
  EXPECT_EQ(verify(Headers{{"Authorize", std::string(kValid)}}), SignatureCheck::missing);
}

}  // namespace
}  // namespace voxfra::sigtest
