// Retell AI's webhook signature (docs/providers.md, "Retell"; retell-sdk 5.66.1
// src/lib/webhook_auth.ts, `Retell.verify` / `Retell.sign`):
//
//   X-Retell-Signature: v=<unix milliseconds>,d=<hex HMAC-SHA256(api key, raw body + "<ms>")>
//
// The key is the Retell API key that carries the webhook badge, stored as the
// endpoint's secret. The timestamp is appended to the body with no separator,
// in its plain decimal form (the SDK signs `body + Number(v)`, so a v sent with
// leading zeros is signed without them). The digest is exactly 64 hex digits.
// Accepted within 5 minutes either way of our clock, as the SDK does.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/signature.h"

namespace voxfra {

inline constexpr std::string_view kRetellSignatureHeader = "X-Retell-Signature";
inline constexpr std::int64_t kRetellToleranceMs = 5 * 60 * 1000;

// The header value "v=<ms>,d=<hex>" that Retell would send for `body`: for
// `voxfra send-test`, examples and tests.
std::string sign_retell(std::string_view api_key, std::int64_t ms, std::string_view body);

const SignatureScheme& retell_signature_scheme();

}  // namespace voxfra
