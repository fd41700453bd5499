#include "auth/signature_voiceinfra.h"

#include "auth/signature_kit.h"

namespace voxfra {

std::string sign_voiceinfra(std::string_view secret, std::string_view body) {
  return hex_encode(hmac_sha256(secret, {body}));
}

const SignatureScheme& voiceinfra_signature_scheme() {
  static const HexBodyHmacScheme scheme("voiceinfra", kVoiceInfraSignatureHeader);
  return scheme;
}

}  // namespace voxfra
