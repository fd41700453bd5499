#include "auth/signature_kit.h"

namespace voxfra {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool KeyValueList::next(KeyValue& out) {
  while (!rest_.empty()) {
    std::size_t end = rest_.find(sep_);
    std::string_view item = rest_.substr(0, end);
    rest_ = end == std::string_view::npos ? std::string_view() : rest_.substr(end + 1);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    out.key = trim(item.substr(0, eq));
    out.value = trim(item.substr(eq + 1));
    if (!out.key.empty()) return true;
  }
  return false;
}

std::optional<std::int64_t> parse_decimal(std::string_view digits, std::size_t max_digits) {
  if (digits.empty() || digits.size() > max_digits || max_digits > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');  // 18 digits fit in int64
  }
  return value;
}

bool within_tolerance(UnixMillis signed_at, UnixMillis now, Tolerance tolerance) {
  // Either difference may overflow for absurd timestamps; those are stale.
  std::int64_t age = 0;
  std::int64_t ahead = 0;
  if (__builtin_sub_overflow(now, signed_at, &age) || __builtin_sub_overflow(signed_at, now, &ahead)) {
    return false;
  }
  return age <= tolerance.past_ms && ahead <= tolerance.future_ms;
}

bool secret_usable(const EndpointView::Secret& secret, UnixMillis now) {
  return !secret.value.empty() && (secret.expires_at == 0 || now < secret.expires_at);
}

SignatureCheck match_hmac_sha256(const SignatureRequest& request,
                                 std::span<const std::string_view> message,
                                 std::span<const Sha256Digest> expected) {
  const EndpointView& ep = *request.endpoint;
  for (std::size_t i = 0; i < ep.secret_count && i < EndpointView::kMaxSecrets; ++i) {
    if (!secret_usable(ep.secrets[i], request.now)) continue;
    Sha256Digest mac = hmac_sha256(ep.secrets[i].value, message);
    for (const Sha256Digest& candidate : expected) {
      if (constant_time_equal(mac, candidate)) return SignatureCheck::ok;
    }
  }
  return SignatureCheck::mismatch;
}

SignatureCheck match_hex_hmac_of_body(const SignatureRequest& request, std::string_view hex) {
  Sha256Digest expected;
  if (!hex_decode(hex, expected)) return SignatureCheck::malformed;
  const std::string_view message[] = {request.body};
  return match_hmac_sha256(request, message, std::span(&expected, 1));
}

SignatureCheck HexBodyHmacScheme::verify(const SignatureRequest& request) const {
  std::string_view value = request.headers->get(header_);
  if (value.empty()) return SignatureCheck::missing;
  return match_hex_hmac_of_body(request, value);
}

std::vector<SignedHeader> HexBodyHmacScheme::sign(const SigningKey& key, std::string_view body, UnixMillis) const {
  return {{std::string(header_), hex_encode(hmac_sha256(key.secret, {body}))}};
}

std::optional<std::string_view> bearer_credentials(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() || authorization[kScheme.size()] != ' ') return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return std::nullopt;
  }
  std::string_view rest = authorization.substr(kScheme.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest;
}

SignatureCheck match_shared_secret(const SignatureRequest& request, std::string_view presented) {
  const EndpointView& ep = *request.endpoint;
  for (std::size_t i = 0; i < ep.secret_count && i < EndpointView::kMaxSecrets; ++i) {
    if (secret_usable(ep.secrets[i], request.now) && constant_time_equal(ep.secrets[i].value, presented)) {
      return SignatureCheck::ok;
    }
  }
  return SignatureCheck::mismatch;
}

}  // namespace voxfra
