#include "auth/signature.h"

#include <stdexcept>

#include "auth/signature_kit.h"

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

const SignatureScheme& signature_scheme_for(Provider p) {
  switch (p) {
#define VOXFRA_SCHEME_CASE(name, code, adapter, scheme, ...) \
  case Provider::name: return scheme();
    VOXFRA_PROVIDERS(VOXFRA_SCHEME_CASE)
#undef VOXFRA_SCHEME_CASE
  }
  throw std::logic_error("not a provider");
}

std::span<const std::string_view> signature_headers(Provider p) { return signature_scheme_for(p).headers(); }

}  // namespace voxfra
