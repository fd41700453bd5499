#include "auth/signature_livekit.h"

#include <simdjson.h>

#include <array>
#include <cmath>
#include <limits>
#include <optional>

#include "auth/signature_kit.h"
#include "util/json_writer.h"

namespace voxfra {

namespace {

namespace dom = simdjson::dom;

// A base64url part of the token decoded into a buffer that simdjson can
// parse in place (it reads up to SIMDJSON_PADDING bytes past the end).
struct JsonBuffer {
  std::array<char, kLiveKitMaxJsonBytes + simdjson::SIMDJSON_PADDING> bytes;
  std::size_t size = 0;

  bool decode(std::string_view part) {
    // RFC 7515: base64url without padding.
    if (part.empty() || part.find('=') != std::string_view::npos) return false;
    auto n = base64_decode(part, Base64Alphabet::url,
                           {reinterpret_cast<unsigned char*>(bytes.data()), kLiveKitMaxJsonBytes});
    if (!n) return false;
    size = *n;
    std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(size), simdjson::SIMDJSON_PADDING, '\0');
    return true;
  }
};

// One parser per thread, reused: a scheme is shared by all workers' threads,
// and a parser allocated per request would be a malloc on the hot path.
dom::parser& json_parser() {
  thread_local dom::parser parser(kLiveKitMaxJsonBytes);
  return parser;
}

std::optional<dom::object> parse_object(JsonBuffer& buffer) {
  dom::object object;
  if (json_parser().parse(buffer.bytes.data(), buffer.size, false).get(object) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return object;
}

// A NumericDate (RFC 7519 §2: seconds, possibly fractional) in milliseconds,
// saturated so that absurd values are merely very old or very new.
std::optional<UnixMillis> numeric_date_ms(dom::element e) {
  constexpr std::int64_t kMaxSeconds = std::numeric_limits<std::int64_t>::max() / 1000;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double d = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS) {
    if (i > kMaxSeconds) i = kMaxSeconds;
    if (i < -kMaxSeconds) i = -kMaxSeconds;
    return i * 1000;
  }
  if (e.get_uint64().get(u) == simdjson::SUCCESS) return kMaxSeconds * 1000;  // only past int64
  if (e.get_double().get(d) == simdjson::SUCCESS && std::isfinite(d)) {
    const double ms = std::floor(d * 1000.0);
    constexpr double kLimit = static_cast<double>(kMaxSeconds) * 1000.0;
    if (ms >= kLimit) return kMaxSeconds * 1000;
    if (ms <= -kLimit) return -kMaxSeconds * 1000;
    return static_cast<UnixMillis>(ms);
  }
  return std::nullopt;
}

enum class Claim { absent, present, wrong_type };

// A claim that, when present, must be a NumericDate.
Claim date_claim(dom::object claims, std::string_view key, UnixMillis& out) {
  dom::element e;
  if (claims.at_key(key).get(e) != simdjson::SUCCESS) return Claim::absent;
  std::optional<UnixMillis> ms = numeric_date_ms(e);
  if (!ms) return Claim::wrong_type;
  out = *ms;
  return Claim::present;
}

Claim string_claim(dom::object claims, std::string_view key, std::string_view& out) {
  dom::element e;
  if (claims.at_key(key).get(e) != simdjson::SUCCESS) return Claim::absent;
  return e.get_string().get(out) == simdjson::SUCCESS ? Claim::present : Claim::wrong_type;
}

class LiveKitScheme final : public SignatureScheme {
 public:
  std::string_view name() const override { return "livekit"; }
  std::string_view header() const override { return kLiveKitSignatureHeader; }
  std::span<const std::string_view> headers() const override {
    static constexpr std::string_view kHeaders[] = {kLiveKitSignatureHeader};
    return kHeaders;
  }

  SignatureCheck verify(const SignatureRequest& request) const override {
    std::string_view token = request.headers->get(kLiveKitSignatureHeader);
    if (token.empty()) return SignatureCheck::missing;
    if (auto credentials = bearer_credentials(token)) token = *credentials;

    // Compact JWS: exactly three parts.
    const std::size_t dot1 = token.find('.');
    const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
      return SignatureCheck::malformed;
    }
    const std::string_view header_b64 = token.substr(0, dot1);
    const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const std::string_view signature_b64 = token.substr(dot2 + 1);

    // The JOSE header first, before any key is used: HS256 or nothing.
    JsonBuffer buffer;
    if (!buffer.decode(header_b64)) return SignatureCheck::malformed;
    {
      std::optional<dom::object> jose = parse_object(buffer);
      std::string_view alg;
      dom::element crit;
      if (!jose || string_claim(*jose, "alg", alg) != Claim::present || alg != "HS256" ||
          jose->at_key("crit").get(crit) == simdjson::SUCCESS) {
        return SignatureCheck::malformed;
      }
    }
    Sha256Digest mac;
    if (signature_b64.find('=') != std::string_view::npos) return SignatureCheck::malformed;
    auto mac_size = base64_decode(signature_b64, Base64Alphabet::url, mac);
    if (!mac_size || *mac_size != mac.size()) return SignatureCheck::malformed;

    const std::string_view signed_part[] = {header_b64, ".", payload_b64};
    SignatureCheck check = match_hmac_sha256(request, signed_part, std::span(&mac, 1));
    if (check != SignatureCheck::ok) return check;

    // Genuine from here on: the claims.
    if (!buffer.decode(payload_b64)) return SignatureCheck::malformed;
    std::optional<dom::object> claims = parse_object(buffer);
    if (!claims) return SignatureCheck::malformed;
    std::string_view iss;
    std::string_view sha;
    UnixMillis exp = 0;
    UnixMillis nbf = 0;
    const Claim iss_claim = string_claim(*claims, "iss", iss);
    const Claim sha_claim = string_claim(*claims, "sha256", sha);
    const Claim exp_claim = date_claim(*claims, "exp", exp);
    const Claim nbf_claim = date_claim(*claims, "nbf", nbf);
    if (iss_claim == Claim::wrong_type || sha_claim == Claim::wrong_type || exp_claim != Claim::present ||
        nbf_claim == Claim::wrong_type) {
      return SignatureCheck::malformed;
    }
    const std::string_view api_key = request.endpoint->api_key;
    if (iss_claim == Claim::absent || api_key.empty() || iss != api_key) return SignatureCheck::mismatch;

    // The body's hash as LiveKit writes it: standard base64, padded (44
    // characters). Strict decoding gives one text per digest, so comparing
    // digests is comparing the texts, as the SDK does.
    if (sha_claim == Claim::absent) return SignatureCheck::mismatch;
    Sha256Digest claimed;
    auto claimed_size = sha.size() == 44 ? base64_decode(sha, Base64Alphabet::standard, claimed) : std::nullopt;
    if (!claimed_size || *claimed_size != claimed.size()) return SignatureCheck::malformed;
    if (!constant_time_equal(claimed, sha256(request.body))) return SignatureCheck::mismatch;

    // Expired when exp <= now - skew (RFC 7519 §4.1.4, jose's test); not yet
    // valid when nbf > now + skew.
    if (exp <= request.now - kLiveKitClockSkewMs) return SignatureCheck::stale;
    if (nbf_claim == Claim::present && nbf > request.now + kLiveKitClockSkewMs) return SignatureCheck::stale;
    return SignatureCheck::ok;
  }
  // As LiveKit's server does: the bare token, valid from now for 5 minutes.
  std::vector<SignedHeader> sign(const SigningKey& key, std::string_view body, UnixMillis now) const override {
    const std::int64_t nbf = now / 1000;
    const std::string claims = livekit_webhook_claims(key.api_key, nbf, nbf + kLiveKitTokenLifetimeSeconds, body);
    return {{std::string(kLiveKitSignatureHeader), sign_jwt_hs256(key.secret, claims)}};
  }
};

}  // namespace

std::string sign_jwt_hs256(std::string_view secret, std::string_view payload_json) {
  constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
  std::string token = base64_encode(as_bytes(kHeader), Base64Alphabet::url, false);
  token += '.';
  token += base64_encode(as_bytes(payload_json), Base64Alphabet::url, false);
  Sha256Digest mac = hmac_sha256(secret, {std::string_view(token)});
  token += '.';
  token += base64_encode(mac, Base64Alphabet::url, false);
  return token;
}

std::string livekit_webhook_claims(std::string_view api_key, std::int64_t nbf, std::int64_t exp,
                                   std::string_view body) {
  std::pmr::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("iss", api_key)
      .key("nbf")
      .integer(nbf)
      .key("exp")
      .integer(exp)
      .field("sha256", base64_encode(sha256(body)))
      .end_object();
  return std::string(out);
}

const SignatureScheme& livekit_signature_scheme() {
  static const LiveKitScheme scheme;
  return scheme;
}

}  // namespace voxfra
