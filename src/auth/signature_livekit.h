// LiveKit's webhook authentication (docs/providers.md, "LiveKit"; livekit/protocol
// webhook/url_notifier.go signs, livekit-server-sdk 2.19.2
// dist/WebhookReceiver.js and AccessToken.js `TokenVerifier` verify):
//
//   Authorization: <JWT>
//
// The JWT is a compact JWS, HS256, keyed with the LiveKit API secret (the
// endpoint's secret), with the claims
//   iss     the API key (the endpoint's api_key; without one nothing verifies)
//   exp     required; nbf optional (LiveKit sends nbf = now, exp = now + 5 min)
//   sha256  base64 (standard alphabet, padded) of SHA-256(raw body)
// LiveKit sends the bare token; the SDK's receiver takes only that. A "Bearer "
// prefix is tolerated too (re-senders and proxies add one); it is not signed.
//
// Verdicts, in this order, so that each means one thing:
//   missing    no Authorization header
//   malformed  not three base64url parts, the header not JSON or its alg not
//              exactly "HS256" (so "none" and every other algorithm are
//              refused before any key is used), a `crit` header (no extension
//              is understood), a signature that is not 32 bytes, a payload
//              that is not a JSON object, or a claim of the wrong type
//   mismatch   the MAC is not made with a usable secret; or iss is not the
//              endpoint's API key; or the token has no sha256 claim (any other
//              token of the key, e.g. a client's room-join token, must not let
//              its holder post a body) or one that is not this body's hash
//   stale      a genuine token for this very body, but expired (exp) or not
//              yet valid (nbf), with kLiveKitClockSkewMs of slack
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/signature.h"

namespace voxfra {

inline constexpr std::string_view kLiveKitSignatureHeader = "Authorization";
// Clock skew allowed on exp and nbf. The JS SDK allows 10 s; LiveKit's token
// lives 5 minutes, and a minute of skew between two servers is common enough.
inline constexpr std::int64_t kLiveKitClockSkewMs = 60 * 1000;
// How long the tokens LiveKit signs webhooks with live (url_notifier.go).
inline constexpr std::int64_t kLiveKitTokenLifetimeSeconds = 5 * 60;
// A decoded JWT header or payload larger than this is malformed; LiveKit's
// are a few hundred bytes.
inline constexpr std::size_t kLiveKitMaxJsonBytes = 4096;

// An HS256 JWT "<header>.<payload>.<signature>" over exactly `payload_json`
// (the header is {"alg":"HS256","typ":"JWT"}): for `voxfra send-test` and
// tests that need a token this code did not parse.
std::string sign_jwt_hs256(std::string_view secret, std::string_view payload_json);
// The payload LiveKit sends: iss, nbf, exp and the body's sha256.
std::string livekit_webhook_claims(std::string_view api_key, std::int64_t nbf, std::int64_t exp,
                                   std::string_view body);

const SignatureScheme& livekit_signature_scheme();

}  // namespace voxfra
