#include "auth/signature_voxpria.h"

#include "auth/signature_kit.h"
#include "auth/signature_voxfra.h"

namespace voxfra {

namespace {

class VoxpriaScheme final : public SignatureScheme {
 public:
  std::string_view name() const override { return "voxpria"; }
  std::string_view header() const override { return kVoxpriaSignatureHeader; }
  std::span<const std::string_view> headers() const override {
    static constexpr std::string_view kHeaders[] = {kVoxpriaSignatureHeader, kVoxpriaTimestampedHeader};
    return kHeaders;
  }

  SignatureCheck verify(const SignatureRequest& request) const override {
    std::string_view value = request.headers->get(kVoxpriaSignatureHeader);
    if (!value.empty()) {
      constexpr std::string_view kPrefix = "sha256=";
      if (value.starts_with(kPrefix)) value.remove_prefix(kPrefix.size());
      return match_hex_hmac_of_body(request, value);
    }
    value = request.headers->get(kVoxpriaTimestampedHeader);
    if (value.empty()) return SignatureCheck::missing;
    // The same construction as Voxfra's own header: t=<s>, one or more v1=.
    return verify_voxfra_signature(request, value, kVoxpriaToleranceMs);
  }
  // The X-Voxpria-Signature form: the one VoxPria's webhook API page shows.
  std::vector<SignedHeader> sign(const SigningKey& key, std::string_view body, UnixMillis) const override {
    return {{std::string(kVoxpriaSignatureHeader), sign_voxpria(key.secret, body)}};
  }
};

}  // namespace

std::string sign_voxpria(std::string_view secret, std::string_view body) {
  return "sha256=" + hex_encode(hmac_sha256(secret, {body}));
}

std::string sign_voxpria_timestamped(std::string_view secret, std::int64_t t, std::string_view body) {
  return sign_voxfra(secret, t, body);  // the same "t=,v1=" construction
}

const SignatureScheme& voxpria_signature_scheme() {
  static const VoxpriaScheme scheme;
  return scheme;
}

}  // namespace voxfra
