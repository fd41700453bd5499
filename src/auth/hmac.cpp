#include "auth/hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace voxfra {

namespace {

// Fetched once: an explicit fetch per call would take OpenSSL's provider
// lock on every request. Never freed; the process keeps it to the end.
EVP_MD* sha256_algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

[[noreturn]] void openssl_failed(const char* what) {
  throw std::runtime_error(std::string("OpenSSL failed to compute ") + what);
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// One digest context per thread (an NGINX worker, a pool thread, the CLI),
// reset for each digest: a context made and freed per call, and OpenSSL's
// HMAC object that looks its digest up by name on every init, cost more
// than hashing a 2 KB body.
EVP_MD_CTX* digest_context(const char* what) {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_MD* md = sha256_algorithm();
  if (!ctx || md == nullptr || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) openssl_failed(what);
  return ctx.get();
}

void digest_update(EVP_MD_CTX* ctx, const void* data, std::size_t size, const char* what) {
  if (size != 0 && EVP_DigestUpdate(ctx, data, size) != 1) openssl_failed(what);
}

Sha256Digest digest_final(EVP_MD_CTX* ctx, const char* what) {
  Sha256Digest out;
  unsigned int written = 0;
  if (EVP_DigestFinal_ex(ctx, out.data(), &written) != 1 || written != out.size()) openssl_failed(what);
  return out;
}

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
  EVP_MD_CTX* ctx = digest_context("HMAC");
  digest_update(ctx, pad, kBlock, "HMAC");
  for (std::string_view part : parts) digest_update(ctx, part.data(), part.size(), "HMAC");
  const Sha256Digest inner = digest_final(ctx, "HMAC");

  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block_key[i] ^ 0x5c;
  ctx = digest_context("HMAC");
  digest_update(ctx, pad, kBlock, "HMAC");
  digest_update(ctx, inner.data(), inner.size(), "HMAC");
  Sha256Digest out = digest_final(ctx, "HMAC");
  OPENSSL_cleanse(block_key, sizeof block_key);
  OPENSSL_cleanse(pad, sizeof pad);
  return out;
}

Sha256Digest hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts) {
  return hmac_sha256(key, std::span<const std::string_view>(parts.begin(), parts.size()));
}

Sha256Digest sha256(std::string_view bytes) {
  EVP_MD_CTX* ctx = digest_context("SHA-256");
  digest_update(ctx, bytes.data(), bytes.size(), "SHA-256");
  return digest_final(ctx, "SHA-256");
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
