// Unguessable names and secrets from OpenSSL's CSPRNG: endpoint slugs (the
// secret part of a webhook URL), HMAC secrets and public ids.
#pragma once
#include <cstddef>
#include <string>

namespace voxfra {

// 24 random bytes as 32 base64url characters (192 bits, URL-safe).
std::string random_slug();
// "whsec_" + 32 random bytes in base64url (43 characters).
std::string random_secret();
// `bytes` random bytes as 2 * bytes lowercase hex digits.
std::string random_hex(std::size_t bytes);

// Each throws std::runtime_error when the RNG cannot deliver.

}  // namespace voxfra
