#include "auth/signature.h"

#include "auth/signature_bland.h"
#include "auth/signature_kit.h"
#include "auth/signature_elevenlabs.h"
#include "auth/signature_livekit.h"
#include "auth/signature_retell.h"
#include "auth/signature_vapi.h"
#include "auth/signature_voiceinfra.h"
#include "auth/signature_voxfra.h"
#include "auth/signature_voxpria.h"

namespace voxfra {

SignatureScheme::~SignatureScheme() = default;

std::string_view signature_check_name(SignatureCheck c) {
  switch (c) {
    case SignatureCheck::ok: return "ok";
    case SignatureCheck::missing: return "missing";
    case SignatureCheck::malformed: return "malformed";
    case SignatureCheck::mismatch: return "mismatch";
    case SignatureCheck::stale: return "stale";
  }
  return "unknown";
}

std::string_view signature_check_problem(SignatureCheck c) {
  switch (c) {
    case SignatureCheck::ok: return "is valid";
    case SignatureCheck::missing: return "is missing";
    case SignatureCheck::malformed: return "is malformed";
    // Deliberately vague about which secret or digest came close: the sender
    // learns only that what it sent was not signed with a current secret.
    case SignatureCheck::mismatch: return "does not match the body with any current secret";
    case SignatureCheck::stale: return "has a timestamp outside the accepted clock skew";
  }
  return "was not verified";
}

std::string signature_check_message(SignatureCheck c, std::string_view header) {
  std::string out(header);
  out += " header ";
  out += signature_check_problem(c);
  return out;
}

std::string_view missing_credentials(Provider provider, bool has_secret, bool has_api_key) {
  if (provider != Provider::livekit) return {};
  if (!has_api_key && !has_secret) return "needs the LiveKit API key (--api-key) and its API secret (--secret-file)";
  if (!has_api_key) return "needs the LiveKit API key (--api-key) its API secret belongs to";
  if (!has_secret) return "needs the LiveKit API secret (--secret-file) of its API key";
  return {};
}

const SignatureScheme* signature_scheme_for(Provider p) {
  // No default: a new Provider must be decided here (-Wswitch).
  switch (p) {
    case Provider::custom: return &voxfra_signature_scheme();
    case Provider::vapi: return &vapi_signature_scheme();
    case Provider::retell: return &retell_signature_scheme();
    case Provider::bland: return &bland_signature_scheme();
    case Provider::livekit: return &livekit_signature_scheme();
    case Provider::elevenlabs: return &elevenlabs_signature_scheme();
    case Provider::voiceinfra: return &voiceinfra_signature_scheme();
    case Provider::voxpria: return &voxpria_signature_scheme();
  }
  return nullptr;
}

std::span<const std::string_view> signature_headers(Provider p) {
  static constexpr std::string_view kVoxfra[] = {kVoxfraSignatureHeader};
  // x-timestamp only matters with x-signature: alone it is still `missing`.
  static constexpr std::string_view kVapi[] = {kVapiSecretHeader, kVapiSignatureHeader, kVapiAuthorizationHeader};
  static constexpr std::string_view kRetell[] = {kRetellSignatureHeader};
  static constexpr std::string_view kBland[] = {kBlandSignatureHeader};
  static constexpr std::string_view kLiveKit[] = {kLiveKitSignatureHeader};
  static constexpr std::string_view kElevenLabs[] = {kElevenLabsSignatureHeader};
  static constexpr std::string_view kVoiceInfra[] = {kVoiceInfraSignatureHeader};
  static constexpr std::string_view kVoxpria[] = {kVoxpriaSignatureHeader, kVoxpriaTimestampedHeader};
  switch (p) {
    case Provider::custom: return kVoxfra;
    case Provider::vapi: return kVapi;
    case Provider::retell: return kRetell;
    case Provider::bland: return kBland;
    case Provider::livekit: return kLiveKit;
    case Provider::elevenlabs: return kElevenLabs;
    case Provider::voiceinfra: return kVoiceInfra;
    case Provider::voxpria: return kVoxpria;
  }
  return {};
}

}  // namespace voxfra
