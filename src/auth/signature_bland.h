// Bland AI's webhook signature (docs/providers.md, "Bland"; docs.bland.ai
// tutorials/webhook-signing):
//
//   X-Webhook-Signature: <hex HMAC-SHA256(webhook signing secret, raw body)>
//
// No prefix and no timestamp: Bland's scheme has no replay protection, so a
// captured delivery verifies forever. Duplicates are still stored once (the
// idempotency key is the call id); an allowlist of Bland's addresses is the
// remaining defence.
#pragma once
#include <string>
#include <string_view>

#include "auth/signature.h"

namespace voxfra {

inline constexpr std::string_view kBlandSignatureHeader = "X-Webhook-Signature";

std::string sign_bland(std::string_view secret, std::string_view body);

const SignatureScheme& bland_signature_scheme();

}  // namespace voxfra
