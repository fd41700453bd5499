#include "auth/random.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace voxfra {

namespace {

constexpr std::size_t kSlugBytes = 24;    // 192 bits: 32 characters, no padding
constexpr std::size_t kSecretBytes = 32;  // as long as the HMAC-SHA256 key block needs

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> buf(n);
  if (n > 0 && RAND_bytes(buf.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("the random number generator failed (OpenSSL RAND_bytes)");
  }
  return buf;
}

}  // namespace

std::string base64url(const unsigned char* data, std::size_t size) {
  // OpenSSL writes standard base64 with padding and a NUL; translate to the
  // URL-safe alphabet and drop the padding.
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string random_slug() {
  // A slug is a command-line argument too (`voxfra endpoint show SLUG`):
  // one that starts with '-' would read as an option, so draw again (1 in
  // 64). What is left is still over 191 random bits.
  for (;;) {
    auto bytes = random_bytes(kSlugBytes);
    std::string slug = base64url(bytes.data(), bytes.size());
    if (slug.front() != '-') return slug;
  }
}

std::string random_secret() {
  auto bytes = random_bytes(kSecretBytes);
  return "whsec_" + base64url(bytes.data(), bytes.size());
}

std::string random_hex(std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto bytes = random_bytes(n);
  std::string out;
  out.reserve(2 * n);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace voxfra
