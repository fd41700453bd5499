// ElevenLabs' webhook signature (docs/providers.md, "ElevenLabs"; @elevenlabs/elevenlabs-js
// 2.73.0 wrapper/webhooks.js, `webhooks.constructEvent`):
//
//   ElevenLabs-Signature: t=<unix seconds>,v0=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//
// The key is the shared secret ElevenLabs shows once when an HMAC webhook is
// created. The header is a list: other schemes are ignored, any v0= may match.
// Like the SDK, a timestamp is refused only when it is more than 30 minutes
// old; there is no bound on how far ahead it may be (only the holder of the
// secret can choose t, and ElevenLabs' own clock is what it is: a bound the
// SDK does not have would refuse deliveries that ElevenLabs' SDK accepts).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/signature.h"

namespace voxfra {

inline constexpr std::string_view kElevenLabsSignatureHeader = "ElevenLabs-Signature";
inline constexpr std::int64_t kElevenLabsMaxAgeMs = 30 * 60 * 1000;

// The header value "t=<t>,v0=<hex>" that ElevenLabs would send for `body`.
std::string sign_elevenlabs(std::string_view secret, std::int64_t t, std::string_view body);

const SignatureScheme& elevenlabs_signature_scheme();

}  // namespace voxfra
