#include "auth/signature_voxfra.h"

#include "auth/signature_kit.h"

namespace voxfra {

namespace {

// 15 digits of seconds is past the year 30 million, and t * 1000 still fits
// in an int64.
constexpr std::size_t kMaxTimestampDigits = 15;

class VoxfraScheme final : public SignatureScheme {
 public:
  std::string_view name() const override { return "voxfra"; }
  std::string_view header() const override { return kVoxfraSignatureHeader; }
  std::span<const std::string_view> headers() const override {
    static constexpr std::string_view kHeaders[] = {kVoxfraSignatureHeader};
    return kHeaders;
  }

  SignatureCheck verify(const SignatureRequest& request) const override {
    std::string_view value = request.headers->get(kVoxfraSignatureHeader);
    if (value.empty()) return SignatureCheck::missing;
    return verify_voxfra_signature(request, value, kVoxfraToleranceMs);
  }
  std::vector<SignedHeader> sign(const SigningKey& key, std::string_view body, UnixMillis now) const override {
    return {{std::string(kVoxfraSignatureHeader), sign_voxfra(key.secret, now / 1000, body)}};
  }
};

}  // namespace

std::optional<VoxfraSignature> parse_voxfra_signature(std::string_view header) {
  VoxfraSignature sig;
  bool have_t = false;
  KeyValueList items(header);
  for (KeyValue kv; items.next(kv);) {
    if (kv.key == "t") {
      std::optional<std::int64_t> t = parse_decimal(kv.value, kMaxTimestampDigits);
      if (have_t || !t) return std::nullopt;
      sig.t = *t;
      sig.t_text = kv.value;
      have_t = true;
    } else if (kv.key == "v1") {
      if (sig.v1_count == sig.v1.size() || !hex_decode(kv.value, sig.v1[sig.v1_count])) {
        return std::nullopt;
      }
      ++sig.v1_count;
    }
  }
  if (!have_t || sig.v1_count == 0) return std::nullopt;
  return sig;
}

SignatureCheck verify_voxfra_signature(const SignatureRequest& request, std::string_view value,
                                       std::int64_t tolerance_ms) {
  std::optional<VoxfraSignature> sig = parse_voxfra_signature(value);
  if (!sig) return SignatureCheck::malformed;
  // The MAC first, the clock second: "stale" then means a genuine request
  // that is old (a replay, or a skewed clock), and a wrong secret is
  // reported as such even when the clock is also off.
  const std::string_view message[] = {sig->t_text, ".", request.body};
  SignatureCheck check = match_hmac_sha256(request, message, std::span(sig->v1.data(), sig->v1_count));
  if (check != SignatureCheck::ok) return check;
  if (!within_tolerance(sig->t * 1000, request.now, {tolerance_ms, tolerance_ms})) return SignatureCheck::stale;
  return SignatureCheck::ok;
}

std::string sign_voxfra(std::string_view secret, std::int64_t t, std::string_view body) {
  std::string t_text = std::to_string(t);
  return "t=" + t_text + ",v1=" + hex_encode(hmac_sha256(secret, {t_text, ".", body}));
}

const SignatureScheme& voxfra_signature_scheme() {
  static const VoxfraScheme scheme;
  return scheme;
}

}  // namespace voxfra
