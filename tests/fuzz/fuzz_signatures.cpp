// The signature parsers and every provider's scheme. The input is a request
// as "Name: value" header lines, an empty line, then the raw body. Each
// scheme verifies it against an endpoint with usable secrets, one whose only
// secrets are empty or expired (must never pass), and one with none (must
// never pass); a request without headers is `missing` for every scheme. The
// Voxfra header parser must only accept what it documents, and what
// sign_voxfra writes must parse and verify.
#include <cctype>
#include <string>
#include <vector>

#include "auth/signature.h"
#include "auth/signature_voxfra.h"
#include "fuzz_common.h"

namespace voxfra::fuzz {
namespace {

constexpr std::string_view kSecret = "whsec_fuzz_current";

EndpointView endpoint_for(Provider p) {
  EndpointView e;
  e.id = "ep_0123456789abcdef";
  e.org = "fuzz-org";
  e.client = "fuzz-client";
  e.provider = p;
  e.api_key = "APIfuzzkey";
  e.secrets[0] = {kSecret, 0};
  e.secrets[1] = {"whsec_fuzz_rotated", kNowMillis + 3'600'000};  // in its grace period
  e.secret_count = 2;
  return e;
}

// Secrets that no request may verify with: empty, or expired.
EndpointView unusable_endpoint_for(Provider p) {
  EndpointView e = endpoint_for(p);
  e.secrets[0] = {"", 0};
  e.secrets[1] = {"whsec_fuzz_expired", kNowMillis};
  return e;
}

void check_voxfra_parse(std::string_view header) {
  std::optional<VoxfraSignature> sig = parse_voxfra_signature(header);
  if (!sig) return;
  FUZZ_CHECK(sig->v1_count >= 1 && sig->v1_count <= VoxfraSignature::kMaxDigests);
  // t_text is the signed text, inside the header, all digits, and is t.
  FUZZ_CHECK(sig->t_text.data() >= header.data() &&
             sig->t_text.data() + sig->t_text.size() <= header.data() + header.size());
  FUZZ_CHECK(!sig->t_text.empty() && sig->t_text.size() <= 15);
  std::int64_t t = 0;
  for (char c : sig->t_text) {
    FUZZ_CHECK(c >= '0' && c <= '9');
    t = t * 10 + (c - '0');
  }
  FUZZ_CHECK(t == sig->t && t >= 0);
}

// sign_voxfra → parse → verify, at the signed time and out of tolerance.
void check_voxfra_sign_round_trip(std::int64_t t, std::string_view body) {
  const std::string value = sign_voxfra(kSecret, t, body);
  std::optional<VoxfraSignature> sig = parse_voxfra_signature(value);
  FUZZ_CHECK(sig && sig->t == t && sig->v1_count == 1);

  Headers headers;
  headers.add("x-voxfra-signature", value);  // looked up case-insensitively
  EndpointView endpoint = endpoint_for(Provider::custom);
  SignatureRequest request;
  request.headers = &headers;
  request.body = body;
  request.endpoint = &endpoint;
  request.now = t * 1000;
  const SignatureScheme& scheme = voxfra_signature_scheme();
  FUZZ_CHECK(scheme.verify(request) == SignatureCheck::ok);
  request.now = t * 1000 + kVoxfraToleranceMs + 1000;
  FUZZ_CHECK(scheme.verify(request) == SignatureCheck::stale);
  // One byte more is another body.
  const std::string longer = std::string(body) + "x";
  request.body = longer;
  request.now = t * 1000;
  FUZZ_CHECK(scheme.verify(request) == SignatureCheck::mismatch);
}

void check_scheme(const SignatureScheme& scheme, Provider p, const Headers& headers, std::string_view body) {
  FUZZ_CHECK(!scheme.name().empty());
  FUZZ_CHECK(!scheme.header().empty());
  SignatureRequest request;
  request.headers = &headers;
  request.body = body;
  request.now = kNowMillis;

  const EndpointView endpoint = endpoint_for(p);
  request.endpoint = &endpoint;
  const SignatureCheck check = scheme.verify(request);
  FUZZ_CHECK(!signature_check_name(check).empty());
  // VOXFRA_FUZZ_VERBOSE=1 build-fuzz/fuzz_signatures FILE…: each scheme's verdict.
  static const bool verbose = std::getenv("VOXFRA_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%s: %s\n", std::string(scheme.name()).c_str(),
                 std::string(signature_check_name(check)).c_str());
  }
  touch(scheme.message(check));
  // Some schemes read more than header() (Vapi: a secret, a signature or
  // a bearer token), so only a request without any header is surely missing.
  if (headers.empty()) FUZZ_CHECK(check == SignatureCheck::missing);

  const EndpointView unusable = unusable_endpoint_for(p);
  request.endpoint = &unusable;
  FUZZ_CHECK(scheme.verify(request) != SignatureCheck::ok);

  EndpointView none = endpoint_for(p);
  none.secret_count = 0;
  request.endpoint = &none;
  FUZZ_CHECK(scheme.verify(request) != SignatureCheck::ok);
}

}  // namespace
}  // namespace voxfra::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace voxfra;
  using namespace voxfra::fuzz;
  static const std::vector<Provider> providers = all_providers();

  // The header parser on the raw input too (no line structure needed).
  const std::string_view whole(reinterpret_cast<const char*>(data), size);
  check_voxfra_parse(whole);

  Headers headers;
  const std::string_view body = headers.parse(whole);
  const std::string_view voxfra_header = headers.get(kVoxfraSignatureHeader);
  check_voxfra_parse(voxfra_header);

  for (Provider p : providers) {
    check_scheme(signature_scheme_for(p), p, headers, body);
  }

  // Voxfra's scheme: a header it cannot parse is `malformed`, never more.
  if (!voxfra_header.empty() && !parse_voxfra_signature(voxfra_header)) {
    EndpointView endpoint = endpoint_for(Provider::custom);
    SignatureRequest request{&headers, body, kNowMillis, &endpoint};
    FUZZ_CHECK(voxfra_signature_scheme().verify(request) == SignatureCheck::malformed);
  }
  // A timestamp from the header when it has one, so that the round trip
  // sees the values the fuzzer finds interesting.
  std::int64_t t = kNowMillis / 1000;
  if (auto sig = parse_voxfra_signature(voxfra_header)) t = sig->t;
  check_voxfra_sign_round_trip(t, body);
  return 0;
}
