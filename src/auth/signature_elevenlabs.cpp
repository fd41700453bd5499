#include "auth/signature_elevenlabs.h"

#include <array>
#include <limits>

#include "auth/signature_kit.h"

namespace voxfra {

namespace {

constexpr std::size_t kMaxTimestampDigits = 15;  // t * 1000 fits in an int64
constexpr std::size_t kMaxDigests = 8;

class ElevenLabsScheme final : public SignatureScheme {
 public:
  std::string_view name() const override { return "elevenlabs"; }
  std::string_view header() const override { return kElevenLabsSignatureHeader; }
  std::span<const std::string_view> headers() const override {
    static constexpr std::string_view kHeaders[] = {kElevenLabsSignatureHeader};
    return kHeaders;
  }

  SignatureCheck verify(const SignatureRequest& request) const override {
    std::string_view value = request.headers->get(kElevenLabsSignatureHeader);
    if (value.empty()) return SignatureCheck::missing;
    std::optional<std::int64_t> t;
    std::string_view t_text;
    std::array<Sha256Digest, kMaxDigests> v0{};
    std::size_t v0_count = 0;
    KeyValueList items(value);
    for (KeyValue kv; items.next(kv);) {
      if (kv.key == "t") {
        if (t) return SignatureCheck::malformed;
        t = parse_decimal(kv.value, kMaxTimestampDigits);
        if (!t) return SignatureCheck::malformed;
        t_text = kv.value;
      } else if (kv.key == "v0") {
        if (v0_count == v0.size() || !hex_decode(kv.value, v0[v0_count])) return SignatureCheck::malformed;
        ++v0_count;
      }
    }
    if (!t || v0_count == 0) return SignatureCheck::malformed;

    // t is signed as sent, like the SDK's `${timestamp}.${rawBody}`.
    const std::string_view message[] = {t_text, ".", request.body};
    SignatureCheck check = match_hmac_sha256(request, message, std::span(v0.data(), v0_count));
    if (check != SignatureCheck::ok) return check;
    if (!within_tolerance(*t * 1000, request.now, {kElevenLabsMaxAgeMs, std::numeric_limits<std::int64_t>::max()})) {
      return SignatureCheck::stale;
    }
    return SignatureCheck::ok;
  }
  std::vector<SignedHeader> sign(const SigningKey& key, std::string_view body, UnixMillis now) const override {
    return {{std::string(kElevenLabsSignatureHeader), sign_elevenlabs(key.secret, now / 1000, body)}};
  }
};

}  // namespace

std::string sign_elevenlabs(std::string_view secret, std::int64_t t, std::string_view body) {
  std::string t_text = std::to_string(t);
  return "t=" + t_text + ",v0=" + hex_encode(hmac_sha256(secret, {t_text, ".", body}));
}

const SignatureScheme& elevenlabs_signature_scheme() {
  static const ElevenLabsScheme scheme;
  return scheme;
}

}  // namespace voxfra
