#include "auth/signature_retell.h"

#include <charconv>

#include "auth/signature_kit.h"

namespace voxfra {

namespace {

// 15 digits of milliseconds reach the year 33658; the SDK refuses anything
// past 2^53 (16 digits) anyway.
constexpr std::size_t kMaxTimestampDigits = 15;

class RetellScheme final : public SignatureScheme {
 public:
  std::string_view name() const override { return "retell"; }
  std::string_view header() const override { return kRetellSignatureHeader; }
  std::span<const std::string_view> headers() const override {
    static constexpr std::string_view kHeaders[] = {kRetellSignatureHeader};
    return kHeaders;
  }

  SignatureCheck verify(const SignatureRequest& request) const override {
    std::string_view value = request.headers->get(kRetellSignatureHeader);
    if (value.empty()) return SignatureCheck::missing;
    // The SDK's grammar is ^v=(\d+),d=([0-9a-f]{64})$ (case-insensitive):
    // one v, one d. Spaces around items and other keys are tolerated, as in
    // every k=v header here; they change nothing that is signed.
    std::optional<std::int64_t> v;
    std::string_view d;
    bool have_d = false;
    KeyValueList items(value);
    for (KeyValue kv; items.next(kv);) {
      if (kv.key == "v" || kv.key == "V") {
        if (v) return SignatureCheck::malformed;
        v = parse_decimal(kv.value, kMaxTimestampDigits);
        if (!v) return SignatureCheck::malformed;
      } else if (kv.key == "d" || kv.key == "D") {
        if (have_d) return SignatureCheck::malformed;
        d = kv.value;
        have_d = true;
      }
    }
    Sha256Digest digest;
    if (!v || !have_d || !hex_decode(d, digest)) return SignatureCheck::malformed;

    // Signed: the body, then the timestamp as a plain decimal.
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, *v);
    if (ec != std::errc()) return SignatureCheck::malformed;
    const std::string_view message[] = {request.body, std::string_view(digits, end - digits)};
    SignatureCheck check = match_hmac_sha256(request, message, std::span(&digest, 1));
    if (check != SignatureCheck::ok) return check;
    if (!within_tolerance(*v, request.now, {kRetellToleranceMs, kRetellToleranceMs})) return SignatureCheck::stale;
    return SignatureCheck::ok;
  }
  std::vector<SignedHeader> sign(const SigningKey& key, std::string_view body, UnixMillis now) const override {
    return {{std::string(kRetellSignatureHeader), sign_retell(key.secret, now, body)}};
  }
};

}  // namespace

std::string sign_retell(std::string_view api_key, std::int64_t ms, std::string_view body) {
  std::string t = std::to_string(ms);
  return "v=" + t + ",d=" + hex_encode(hmac_sha256(api_key, {body, t}));
}

const SignatureScheme& retell_signature_scheme() {
  static const RetellScheme scheme;
  return scheme;
}

}  // namespace voxfra
