// VoxPria's webhook signatures (docs/providers.md, "VoxPria"). Its two documentation pages
// disagree, so both documented forms are accepted:
//
//   X-Voxpria-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>      (webhooks-api)
//   X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//                                                                       (developers/webhooks)
//
// X-Voxpria-Signature is read first; only when it is absent is
// X-Webhook-Signature tried. The first form has no timestamp (no replay
// protection; duplicates are still stored once); the second is checked like
// Voxfra's own, 5 minutes either way. The bare hex without "sha256=" is also
// taken. Messages name X-Voxpria-Signature.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/signature.h"

namespace voxfra {

inline constexpr std::string_view kVoxpriaSignatureHeader = "X-Voxpria-Signature";
inline constexpr std::string_view kVoxpriaTimestampedHeader = "X-Webhook-Signature";
inline constexpr std::int64_t kVoxpriaToleranceMs = 5 * 60 * 1000;

// "sha256=<hex>", the X-Voxpria-Signature value for `body`.
std::string sign_voxpria(std::string_view secret, std::string_view body);
// "t=<t>,v1=<hex>", the X-Webhook-Signature value for `body`.
std::string sign_voxpria_timestamped(std::string_view secret, std::int64_t t, std::string_view body);

const SignatureScheme& voxpria_signature_scheme();

}  // namespace voxfra
