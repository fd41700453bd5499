// Vapi's webhook authentication (docs/providers.md, "Vapi"; VapiAI/docs
// server-url/server-authentication.mdx; @vapi-ai/server-sdk 2.0.1 Server.d.ts,
// HmacAuthenticationPlan.d.ts). Vapi does not sign by default; it offers
// three credentials, all checked against the endpoint's secrets, in this order
// (the first header present decides):
//
//   1. X-Vapi-Secret: <secret>                 the assistant's / number's `secret`,
//                                              sent as-is: compared in constant time
//   2. x-signature: [prefix]<hex HMAC-SHA256(secret, "<x-timestamp>.<raw body>")>
//      x-timestamp: <unix seconds or milliseconds>
//                                              the HMAC credential with its defaults
//                                              (sha256, hex, payloadFormat
//                                              "{timestamp}.{body}"); a signaturePrefix
//                                              such as "sha256=" is skipped; the
//                                              timestamp's unit is told apart by
//                                              magnitude; 5 minutes either way
//   3. Authorization: Bearer <secret>          the Bearer Token credential (also
//                                              with its prefix turned off)
//
// None present: missing. The HMAC credential's other algorithms (sha512,
// sha1), base64 encoding, other payload formats and base64 secrets are not
// supported: such a delivery is refused (malformed or mismatch). An OAuth 2.0
// credential's token is not a secret Voxfra knows: refused (mismatch).
// Messages name X-Vapi-Secret, the credential Vapi documents first.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/signature.h"

namespace voxfra {

inline constexpr std::string_view kVapiSecretHeader = "X-Vapi-Secret";
inline constexpr std::string_view kVapiSignatureHeader = "x-signature";
inline constexpr std::string_view kVapiTimestampHeader = "x-timestamp";
inline constexpr std::string_view kVapiAuthorizationHeader = "Authorization";
inline constexpr std::int64_t kVapiToleranceMs = 5 * 60 * 1000;
// x-timestamp values below this are seconds (up to the year 5138), others
// milliseconds (from March 1973 on).
inline constexpr std::int64_t kVapiSecondsBelow = 100'000'000'000;
// At most this much text before the 64 hex digits of x-signature.
inline constexpr std::size_t kVapiMaxSignaturePrefix = 32;

// The x-signature value (hex, no prefix) Vapi's HMAC credential would send
// with `x-timestamp: <timestamp>`.
std::string sign_vapi_hmac(std::string_view secret, std::string_view timestamp, std::string_view body);

const SignatureScheme& vapi_signature_scheme();

}  // namespace voxfra
