// The pieces every signature scheme is made of, so that a provider's scheme
// is a header parse plus two calls: parse "k=v,k=v" lists, check a timestamp
// against a tolerance, and compare an HMAC (or a shared secret) with every
// secret of the endpoint that is still usable.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "auth/signature.h"
#include "util/hmac.h"

namespace voxfra {

// Every header that `p`'s scheme reads (SignatureScheme::headers()).
std::span<const std::string_view> signature_headers(Provider p);

// One item of a "k=v, k=v" header value.
struct KeyValue {
  std::string_view key;
  std::string_view value;
};

// Walks a header value such as "t=1700000000, v1=ab…,v1=cd…" without
// allocating. Items are split on `separator`; spaces and tabs around items,
// keys and values are dropped; empty items and items without '=' are skipped,
// because senders add schemes and flags that a verifier must ignore. The
// value is everything after the first '=' (base64 may itself end in '=').
class KeyValueList {
 public:
  explicit KeyValueList(std::string_view text, char separator = ',') : rest_(text), sep_(separator) {}
  // Fills `out` with the next item; false at the end.
  bool next(KeyValue& out);

 private:
  std::string_view rest_;
  char sep_;
};

// A non-negative decimal made of digits only (no sign, no spaces), at most
// `max_digits` long so that the caller's unit conversion cannot overflow.
std::optional<std::int64_t> parse_decimal(std::string_view digits, std::size_t max_digits = 18);

// How far a signed timestamp may lie behind and ahead of our clock.
struct Tolerance {
  std::int64_t past_ms;
  std::int64_t future_ms;
};
// True when now - past_ms <= signed_at <= now + future_ms; never overflows.
bool within_tolerance(UnixMillis signed_at, UnixMillis now, Tolerance tolerance);

// A secret may verify while it has no expiry or until it expires: a rotated-out
// secret keeps working for its grace period. An empty secret never verifies,
// since anyone can compute an HMAC with an empty key.
bool secret_usable(const EndpointView::Secret& secret, UnixMillis now);

// ok when, for some usable secret of the endpoint, HMAC-SHA256(secret, the
// concatenated `message` parts) equals one of `expected`; mismatch otherwise
// (also when no secret is usable). Each comparison is constant-time.
SignatureCheck match_hmac_sha256(const SignatureRequest& request,
                                 std::span<const std::string_view> message,
                                 std::span<const Sha256Digest> expected);

// ok when `hex` is 64 hex digits (either case) equal to HMAC-SHA256(secret,
// raw body) for some usable secret; malformed when it is not 64 hex digits,
// mismatch otherwise. The schemes without a timestamp (Bland, VoiceInfra,
// VoxPria's sha256=) are this one call.
SignatureCheck match_hex_hmac_of_body(const SignatureRequest& request, std::string_view hex);

// The whole scheme of a sender that puts one hex HMAC-SHA256 of the raw body
// in one header, with no prefix and no timestamp (Bland, VoiceInfra): missing
// when the header is absent or empty, then match_hex_hmac_of_body.
class HexBodyHmacScheme final : public SignatureScheme {
 public:
  HexBodyHmacScheme(std::string_view name, std::string_view header) : name_(name), header_(header) {}
  std::string_view name() const override { return name_; }
  std::string_view header() const override { return header_; }
  std::span<const std::string_view> headers() const override { return {&header_, 1}; }
  SignatureCheck verify(const SignatureRequest& request) const override;
  std::vector<SignedHeader> sign(const SigningKey& key, std::string_view body, UnixMillis now) const override;

 private:
  std::string_view name_;
  std::string_view header_;
};

// The credentials of an "Authorization: Bearer <credentials>" value (the
// scheme name case-insensitive, RFC 9110 §11.1, one or more spaces after it);
// nullopt when the value does not start with "Bearer ".
std::optional<std::string_view> bearer_credentials(std::string_view authorization);

// ok when `presented` is, byte for byte, a usable secret (shared-secret
// headers such as Vapi's X-Vapi-Secret); mismatch otherwise. Constant-time.
SignatureCheck match_shared_secret(const SignatureRequest& request, std::string_view presented);

}  // namespace voxfra
