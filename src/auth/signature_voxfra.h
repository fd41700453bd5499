// Voxfra's own signature, for the `custom` provider (docs/providers.md, "Custom"; a contract):
//
//   X-Voxfra-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//
// The timestamp is inside the MAC so that a captured request cannot be
// replayed later than the tolerance. Several v1= may be sent (a sender signs
// with both secrets while rotating); any match passes. Unknown keys are
// ignored so that a future v2= can be added alongside.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/signature.h"
#include "util/hmac.h"

namespace voxfra {

inline constexpr std::string_view kVoxfraSignatureHeader = "X-Voxfra-Signature";
// Either way: a sender's clock may be ahead of ours too.
inline constexpr std::int64_t kVoxfraToleranceMs = 5 * 60 * 1000;

struct VoxfraSignature {
  static constexpr std::size_t kMaxDigests = 8;
  std::int64_t t = 0;        // unix seconds
  std::string_view t_text;   // t as sent: the exact bytes that were signed
  std::array<Sha256Digest, kMaxDigests> v1{};
  std::size_t v1_count = 0;
};

// nullopt when the value is not a Voxfra signature: no t, two t, t not
// digits (at most 15), no v1, a v1 that is not 64 hex digits, or more than
// kMaxDigests v1. The result's t_text points into `header`.
std::optional<VoxfraSignature> parse_voxfra_signature(std::string_view header);

// The whole check of a "t=<t>,v1=<hex>" value (already read from its header,
// not empty): malformed, then the MAC over "<t>.<body>" with any usable
// secret (mismatch), then t within `tolerance_ms` either way (stale). Shared
// with VoxPria's X-Webhook-Signature, which uses the same construction.
SignatureCheck verify_voxfra_signature(const SignatureRequest& request, std::string_view value,
                                       std::int64_t tolerance_ms);

// The full header value "t=<t>,v1=<hex>" that verifies `body` with `secret`:
// for `voxfra send-test`, senders' examples and tests.
std::string sign_voxfra(std::string_view secret, std::int64_t t, std::string_view body);

const SignatureScheme& voxfra_signature_scheme();

}  // namespace voxfra
