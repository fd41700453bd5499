#include "util/hmac.h"

// SHA256_Init and its siblings are deprecated since OpenSSL 3.0, not
// removed; see Sha256 below for why they are used.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace voxfra {

namespace {

// One SHA-256, its state on the stack. OpenSSL's SHA256_* functions run the
// same assembly as EVP (SHA-NI where the CPU has it) without EVP's provider
// dispatch: OpenSSL 3.0's EVP_DigestInit allocates a provider context at
// every init, even on a reused EVP_MD_CTX, and a request hashes five times
// (the HMAC's inner and outer hashes, the zone's rate, counter and
// idempotency keys), so five malloc/free pairs a request went to OpenSSL.
// These functions cannot fail.
class Sha256 {
 public:
  Sha256() { SHA256_Init(&ctx_); }
  ~Sha256() { OPENSSL_cleanse(&ctx_, sizeof ctx_); }  // it held key material (HMAC)
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size) {
    if (size != 0) SHA256_Update(&ctx_, data, size);
  }
  Sha256Digest finish() {
    Sha256Digest out;
    SHA256_Final(out.data(), &ctx_);
    return out;
  }

 private:
  SHA256_CTX ctx_;
};

constexpr char kHexDigits[] = "0123456789abcdef";

// The value of each hex digit, -1 for any other byte: one load a digit on
// the hot path (every signature is 64 of them).
constexpr std::array<std::int8_t, 256> make_hex_values() {
  std::array<std::int8_t, 256> values{};
  for (int c = 0; c < 256; ++c) {
    values[c] = c >= '0' && c <= '9'   ? static_cast<std::int8_t>(c - '0')
                : c >= 'a' && c <= 'f' ? static_cast<std::int8_t>(c - 'a' + 10)
                : c >= 'A' && c <= 'F' ? static_cast<std::int8_t>(c - 'A' + 10)
                                       : std::int8_t{-1};
  }
  return values;
}
constexpr std::array<std::int8_t, 256> kHexValues = make_hex_values();

const char* base64_alphabet(Base64Alphabet a) {
  return a == Base64Alphabet::url
             ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

int base64_value(char c, Base64Alphabet a) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  // The two alphabets differ only here; a '+' in a base64url JWT is an error.
  const char* tail = base64_alphabet(a) + 62;
  if (c == tail[0]) return 62;
  if (c == tail[1]) return 63;
  return -1;
}

}  // namespace

// RFC 2104 over SHA-256: H((K ^ opad) || H((K ^ ipad) || message)), with K
// the key zero-padded to the 64-byte block (hashed first when longer).
// Kept by hand: EVP_MAC, even with one context reused, mallocs 5 times an
// HMAC and is ~10% slower at 2 KB (benchmarks/hmac_benchmarks.cpp).
Sha256Digest hmac_sha256(std::string_view key, std::span<const std::string_view> parts) {
  constexpr std::size_t kBlock = 64;
  unsigned char block_key[kBlock] = {};
  if (key.size() > kBlock) {
    Sha256Digest hashed = sha256(key);
    std::memcpy(block_key, hashed.data(), hashed.size());
  } else if (!key.empty()) {
    std::memcpy(block_key, key.data(), key.size());
  }
  unsigned char pad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block_key[i] ^ 0x36;
  Sha256 inner_hash;
  inner_hash.update(pad, kBlock);
  for (std::string_view part : parts) inner_hash.update(part.data(), part.size());
  const Sha256Digest inner = inner_hash.finish();

  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block_key[i] ^ 0x5c;
  Sha256 outer_hash;
  outer_hash.update(pad, kBlock);
  outer_hash.update(inner.data(), inner.size());
  Sha256Digest out = outer_hash.finish();
  OPENSSL_cleanse(block_key, sizeof block_key);
  OPENSSL_cleanse(pad, sizeof pad);
  return out;
}

Sha256Digest hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts) {
  return hmac_sha256(key, std::span<const std::string_view>(parts.begin(), parts.size()));
}

Sha256Digest sha256(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.finish();
}

int hex_digit_value(char c) { return kHexValues[static_cast<unsigned char>(c)]; }

std::string hex_encode(std::span<const unsigned char> bytes) {
  std::string out;
  out.reserve(2 * bytes.size());
  for (unsigned char b : bytes) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0xf]);
  }
  return out;
}

bool hex_decode(std::string_view hex, std::span<unsigned char> out) {
  if (hex.size() != 2 * out.size()) return false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_digit_value(hex[2 * i]);
    int lo = hex_digit_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return true;
}

std::string base64_encode(std::span<const unsigned char> bytes, Base64Alphabet alphabet, bool pad) {
  const char* digits = base64_alphabet(alphabet);
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = std::uint32_t{bytes[i]} << 16 | std::uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(digits[(v >> shift) & 63]);
  }
  std::size_t rest = bytes.size() - i;  // 0, 1 or 2 bytes: 0, 2 or 3 characters
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{bytes[i]} << 16 | (rest == 2 ? std::uint32_t{bytes[i + 1]} << 8 : 0);
    out.push_back(digits[(v >> 18) & 63]);
    out.push_back(digits[(v >> 12) & 63]);
    if (rest == 2) out.push_back(digits[(v >> 6) & 63]);
    if (pad) out.append(3 - rest, '=');
  }
  return out;
}

std::optional<std::size_t> base64_decode(std::string_view text, Base64Alphabet alphabet,
                                         std::span<unsigned char> out) {
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  if (padding > 0 && text.size() % 4 != 0) return std::nullopt;
  std::string_view digits = text.substr(0, text.size() - padding);
  // A lone character in the last group carries 6 bits: less than a byte.
  if (digits.size() % 4 == 1) return std::nullopt;
  if (padding > 0 && (4 - digits.size() % 4) % 4 != padding) return std::nullopt;
  std::size_t size = digits.size() / 4 * 3 + (digits.size() % 4 == 0 ? 0 : digits.size() % 4 - 1);
  if (size > out.size()) return std::nullopt;

  std::uint32_t bits = 0;
  int bit_count = 0;
  std::size_t written = 0;
  for (char c : digits) {
    int v = base64_value(c, alphabet);
    if (v < 0) return std::nullopt;
    bits = (bits << 6 | static_cast<std::uint32_t>(v)) & 0xffffff;
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out[written++] = static_cast<unsigned char>(bits >> bit_count);
    }
  }
  if ((bits & ((1u << bit_count) - 1)) != 0) return std::nullopt;  // non-canonical tail
  return written;
}

std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet) {
  std::string out(base64_decoded_max(text.size()), '\0');
  auto size = base64_decode(text, alphabet,
                            {reinterpret_cast<unsigned char*>(out.data()), out.size()});
  if (!size) return std::nullopt;
  out.resize(*size);
  return out;
}

bool constant_time_equal(std::span<const unsigned char> a, std::span<const unsigned char> b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace voxfra
