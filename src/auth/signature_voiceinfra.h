// VoiceInfra's webhook signature (docs/providers.md, "VoiceInfra"; docs.voiceinfra.ai
// api/webhooks-reference):
//
//   X-VoiceInfra-Signature: <hex HMAC-SHA256(secret, raw body)>
//
// The secret is the one chosen when the webhook is set up in VoiceInfra. No
// timestamp, so no replay protection (see signature_bland.h: the same
// remedies apply).
#pragma once
#include <string>
#include <string_view>

#include "auth/signature.h"

namespace voxfra {

inline constexpr std::string_view kVoiceInfraSignatureHeader = "X-VoiceInfra-Signature";

std::string sign_voiceinfra(std::string_view secret, std::string_view body);

const SignatureScheme& voiceinfra_signature_scheme();

}  // namespace voxfra
