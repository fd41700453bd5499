#include "auth/random.h"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "util/hmac.h"

namespace voxfra {

namespace {

constexpr std::size_t kSlugBytes = 24;    // 192 bits: 32 characters, no padding
constexpr std::size_t kSecretBytes = 32;  // SHA-256's output size, the key length RFC 2104 advises

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> buf(n);
  if (n > 0 && RAND_bytes(buf.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("the random number generator failed (OpenSSL RAND_bytes)");
  }
  return buf;
}

}  // namespace

std::string random_slug() {
  // A slug is a command-line argument too (`voxfra endpoint show SLUG`):
  // one that starts with '-' would read as an option, so draw again (1 in
  // 64). What is left is still over 191 random bits.
  for (;;) {
    auto bytes = random_bytes(kSlugBytes);
    std::string slug = base64_encode(bytes, Base64Alphabet::url, false);
    if (slug.front() != '-') return slug;
  }
}

std::string random_secret() {
  auto bytes = random_bytes(kSecretBytes);
  return "whsec_" + base64_encode(bytes, Base64Alphabet::url, false);
}

std::string random_hex(std::size_t n) { return hex_encode(random_bytes(n)); }

}  // namespace voxfra
