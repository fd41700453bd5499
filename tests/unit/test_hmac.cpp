#include <gtest/gtest.h>

#include <string>

#include "util/hmac.h"

namespace voxfra {
namespace {

std::string hex(const Sha256Digest& d) { return hex_encode(d); }

// Expected values below were computed independently, e.g.
//   printf '%s' "what do ya want for nothing?" | openssl dgst -sha256 -hmac 'Jefe'
// (that one is also RFC 4231 test case 2).
TEST(Hmac, MatchesOpenSslCommandLine) {
  EXPECT_EQ(hex(hmac_sha256("Jefe", {"what do ya want for nothing?"})),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // printf '%s' "The quick brown fox jumps over the lazy dog" | openssl dgst -sha256 -hmac 'key'
  EXPECT_EQ(hex(hmac_sha256("key", {"The quick brown fox jumps over the lazy dog"})),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  // printf '%s' "" | openssl dgst -sha256 -hmac 'key'
  EXPECT_EQ(hex(hmac_sha256("key", {})), "5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0");
}

TEST(Hmac, PartsAreConcatenated) {
  Sha256Digest whole = hmac_sha256("key", {"The quick brown fox jumps over the lazy dog"});
  EXPECT_EQ(hmac_sha256("key", {"The quick ", "", "brown fox", " jumps over the lazy dog"}), whole);
  EXPECT_NE(hmac_sha256("kez", {"The quick brown fox jumps over the lazy dog"}), whole);
}

TEST(Hmac, EmptyKeyIsAKeyNotAnError) {
  // A null key pointer would make OpenSSL reuse the previous key: both forms
  // of the empty key must give the same, fresh result.
  EXPECT_EQ(hmac_sha256("", {"abc"}), hmac_sha256(std::string_view(), {"a", "bc"}));
  // printf abc | openssl dgst -sha256 -hmac ''
  EXPECT_EQ(hex(hmac_sha256("", {"abc"})), "fd7adb152c05ef80dccf50a1fa4c05d5a3ec6da95575fc312ae7c5d091836351");
}

TEST(Hmac, KeysOfABlockAndLonger) {
  // RFC 4231 test case 6: a 131-byte key is hashed first.
  EXPECT_EQ(hex(hmac_sha256(std::string(131, '\xaa'), {"Test Using Larger Than Block-Size Key - Hash Key First"})),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // printf abc | openssl dgst -sha256 -hmac "$(printf 'k%.0s' $(seq 64))"  (exactly one block)
  EXPECT_EQ(hex(hmac_sha256(std::string(64, 'k'), {"abc"})),
            "ae0c0e4a2340cf50185eb46aaa8723f4769153661612e212fb0d1fa3170c6202");
  // ... and with 65 'k': one byte over, hashed.
  EXPECT_EQ(hex(hmac_sha256(std::string(65, 'k'), {"abc"})),
            "ed378e5dfa30dc98814ba09b2e610d9b6af66054922ceef9480da094a3f11b2d");
}

TEST(Hmac, Sha256) {
  // printf '%s' "abc" | openssl dgst -sha256
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hmac, HexRoundTripAndCaseInsensitiveInput) {
  const unsigned char bytes[] = {0x00, 0x7f, 0x80, 0xff, 0xab};
  EXPECT_EQ(hex_encode(bytes), "007f80ffab");
  unsigned char out[5];
  ASSERT_TRUE(hex_decode("007F80FFaB", out));
  EXPECT_EQ(std::string(out, out + 5), std::string(bytes, bytes + 5));
}

TEST(Hmac, HexRejectsWrongLengthAndNonDigits) {
  unsigned char out[2];
  EXPECT_FALSE(hex_decode("abc", out));
  EXPECT_FALSE(hex_decode("abcdef", out));
  EXPECT_FALSE(hex_decode("abcg", out));
  EXPECT_FALSE(hex_decode("ab c", out));
  EXPECT_FALSE(hex_decode("0x12", out));
  EXPECT_TRUE(hex_decode("", std::span<unsigned char>()));
}

TEST(Hmac, Base64Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
    EXPECT_EQ(base64_decode(encoded, Base64Alphabet::standard), plain) << encoded;
    // Padding is optional on input, and left out on request.
    std::string bare = encoded.substr(0, encoded.find('='));
    EXPECT_EQ(base64_encode(as_bytes(plain), Base64Alphabet::url, false), bare);
    EXPECT_EQ(base64_decode(bare, Base64Alphabet::url), plain) << bare;
  }
}

TEST(Hmac, Base64AlphabetsDiffer) {
  // printf '\xfb\xff\xfe' | base64
  const unsigned char bytes[] = {0xfb, 0xff, 0xfe};
  EXPECT_EQ(base64_encode(bytes), "+//+");
  EXPECT_EQ(base64_encode(bytes, Base64Alphabet::url), "-__-");
  EXPECT_EQ(base64_decode("-__-", Base64Alphabet::url), std::string(bytes, bytes + 3));
  EXPECT_FALSE(base64_decode("-__-", Base64Alphabet::standard));
  EXPECT_FALSE(base64_decode("+//+", Base64Alphabet::url));
}

TEST(Hmac, Base64RejectsWhatIsNotCanonical) {
  for (std::string_view bad : {"Z", "Zg=", "Zg===", "Z===", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "Zg==Zg==", "=",
                               "Zm8=="}) {
    EXPECT_FALSE(base64_decode(bad, Base64Alphabet::standard)) << bad;
  }
}

TEST(Hmac, Base64DecodeIntoACallerBuffer) {
  unsigned char small[2];
  EXPECT_FALSE(base64_decode("Zm9v", Base64Alphabet::standard, small));
  unsigned char enough[base64_decoded_max(4)];
  EXPECT_EQ(base64_decode("Zm9v", Base64Alphabet::standard, enough), 3u);
  EXPECT_EQ(std::string(enough, enough + 3), "foo");
}

TEST(Hmac, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
  EXPECT_FALSE(constant_time_equal("", "x"));
  Sha256Digest a = sha256("a");
  Sha256Digest b = a;
  EXPECT_TRUE(constant_time_equal(a, b));
  b[31] ^= 1;
  EXPECT_FALSE(constant_time_equal(a, b));
}

}  // namespace
}  // namespace voxfra
