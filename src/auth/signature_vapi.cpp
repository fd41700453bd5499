#include "auth/signature_vapi.h"

#include "auth/signature_kit.h"

namespace voxfra {

namespace {

// 15 digits: milliseconds to the year 33658; seconds * 1000 fits in an int64.
constexpr std::size_t kMaxTimestampDigits = 15;

SignatureCheck verify_hmac(const SignatureRequest& request, std::string_view signature) {
  constexpr std::size_t kHexDigits = 2 * sizeof(Sha256Digest);
  if (signature.size() < kHexDigits || signature.size() - kHexDigits > kVapiMaxSignaturePrefix) {
    return SignatureCheck::malformed;
  }
  // The configured signaturePrefix (e.g. "sha256=") is whatever precedes the
  // digest; it is not signed, so it is not checked.
  Sha256Digest digest;
  if (!hex_decode(signature.substr(signature.size() - kHexDigits), digest)) return SignatureCheck::malformed;
  std::string_view timestamp = request.headers->get(kVapiTimestampHeader);
  std::optional<std::int64_t> t = parse_decimal(timestamp, kMaxTimestampDigits);
  if (!t) return SignatureCheck::malformed;

  const std::string_view message[] = {timestamp, ".", request.body};
  SignatureCheck check = match_hmac_sha256(request, message, std::span(&digest, 1));
  if (check != SignatureCheck::ok) return check;
  const UnixMillis signed_at = *t < kVapiSecondsBelow ? *t * 1000 : *t;
  if (!within_tolerance(signed_at, request.now, {kVapiToleranceMs, kVapiToleranceMs})) return SignatureCheck::stale;
  return SignatureCheck::ok;
}

class VapiScheme final : public SignatureScheme {
 public:
  std::string_view name() const override { return "vapi"; }
  std::string_view header() const override { return kVapiSecretHeader; }
  // x-timestamp only matters with x-signature: alone it is still `missing`.
  std::span<const std::string_view> headers() const override {
    static constexpr std::string_view kHeaders[] = {kVapiSecretHeader, kVapiSignatureHeader, kVapiAuthorizationHeader};
    return kHeaders;
  }

  SignatureCheck verify(const SignatureRequest& request) const override {
    std::string_view secret = request.headers->get(kVapiSecretHeader);
    if (!secret.empty()) return match_shared_secret(request, secret);

    std::string_view signature = request.headers->get(kVapiSignatureHeader);
    if (!signature.empty()) return verify_hmac(request, signature);

    std::string_view authorization = request.headers->get(kVapiAuthorizationHeader);
    if (authorization.empty()) return SignatureCheck::missing;
    // "Bearer <token>" by default; the credential can turn the prefix off.
    std::string_view token = bearer_credentials(authorization).value_or(authorization);
    if (token.empty()) return SignatureCheck::malformed;
    return match_shared_secret(request, token);
  }
  // The credential Vapi documents first: the assistant's Secret, sent as is.
  std::vector<SignedHeader> sign(const SigningKey& key, std::string_view, UnixMillis) const override {
    return {{std::string(kVapiSecretHeader), std::string(key.secret)}};
  }
};

}  // namespace

std::string sign_vapi_hmac(std::string_view secret, std::string_view timestamp, std::string_view body) {
  return hex_encode(hmac_sha256(secret, {timestamp, ".", body}));
}

const SignatureScheme& vapi_signature_scheme() {
  static const VapiScheme scheme;
  return scheme;
}

}  // namespace voxfra
