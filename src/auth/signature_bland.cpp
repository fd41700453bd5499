#include "auth/signature_bland.h"

#include "auth/signature_kit.h"

namespace voxfra {

std::string sign_bland(std::string_view secret, std::string_view body) {
  return hex_encode(hmac_sha256(secret, {body}));
}

const SignatureScheme& bland_signature_scheme() {
  static const HexBodyHmacScheme scheme("bland", kBlandSignatureHeader);
  return scheme;
}

}  // namespace voxfra
