// The signature framework: one SignatureScheme per provider, each verifying a
// request's raw body against an endpoint's secrets. The core (Ingestor::process)
// asks signature_scheme_for() for the endpoint's provider's scheme and turns
// anything but `ok` into a 401.
//
// Schemes are stateless singletons: verify() is const, takes everything it
// needs in a SignatureRequest and touches no global state, so any worker or
// thread may call it. Building blocks shared by the schemes (k=v lists,
// timestamp tolerance, HMAC against every usable secret) are in
// signature_kit.h; a provider's scheme is one small file on top of them.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/header_lookup.h"
#include "base/provider.h"
#include "store/endpoint.h"
#include "util/time.h"

namespace voxfra {

enum class SignatureCheck : std::uint8_t {
  ok,         // a usable secret signed exactly these bytes, recently enough
  missing,    // the scheme's header is absent or empty
  malformed,  // the header is present but cannot be read
  mismatch,   // well-formed, but no usable secret produces it
  stale,      // genuine, but its timestamp is outside the scheme's tolerance
};

// "ok", "missing", "malformed", "mismatch", "stale": for logs and metrics.
std::string_view signature_check_name(SignatureCheck c);
// The predicate for a `details` entry whose field is the header, without
// allocating: "is missing", "is malformed", "does not match the body with any
// current secret", "has a timestamp outside the accepted clock skew".
std::string_view signature_check_problem(SignatureCheck c);
// The whole sentence for a 401's reason or a log line, e.g.
// "X-Voxfra-Signature header is missing".
std::string signature_check_message(SignatureCheck c, std::string_view header);

struct SignatureRequest {
  const HeaderLookup* headers = nullptr;
  std::string_view body;  // the raw bytes as received: never a re-serialisation
  UnixMillis now = 0;
  // Its secrets (with rotation expiry) and, for schemes that name a key id
  // (LiveKit's `iss`), api_key.
  const EndpointView* endpoint = nullptr;
};

// One header of a signed request, as the provider spells its name.
struct SignedHeader {
  std::string name;
  std::string value;
  bool operator==(const SignedHeader&) const = default;
};

// What a sender signs with: the shared secret (the endpoint's), and for the
// schemes that name a key id (LiveKit's `iss`) the API key.
struct SigningKey {
  std::string_view secret;
  std::string_view api_key;
};

class SignatureScheme {
 public:
  virtual ~SignatureScheme();
  // A short stable name for logs and metrics ("voxfra", "retell", …).
  virtual std::string_view name() const = 0;
  // The header the scheme reads, as the provider spells it; used in messages.
  virtual std::string_view header() const = 0;
  // Every header the scheme reads, header() first. Most read one; a request
  // with none of them present is `missing`, one with any is judged by it.
  virtual std::span<const std::string_view> headers() const = 0;
  virtual SignatureCheck verify(const SignatureRequest& request) const = 0;
  // The headers the provider itself would send with `body` at `now`, so that
  // `voxfra send-test` posts what the provider posts, and tests can check
  // that sign() and verify() agree for every provider. Not on the hot path.
  virtual std::vector<SignedHeader> sign(const SigningKey& key, std::string_view body, UnixMillis now) const = 0;

  std::string message(SignatureCheck c) const { return signature_check_message(c, header()); }
};

// What an endpoint of `provider` lacks to verify anything, for providers
// that sign every webhook with a key id and its secret (LiveKit): such an
// endpoint can never tell a forgery from a delivery, so it is not created and
// its deliveries are refused (401). Empty when nothing is missing. The
// sentence names the CLI options that supply it.
std::string_view missing_credentials(Provider provider, bool has_secret, bool has_api_key);

// The scheme that signs `p`'s webhooks, from the provider table
// (base/provider.h): every provider has one. Whether an endpoint must be
// verified at all (it has a secret) is the caller's decision.
const SignatureScheme& signature_scheme_for(Provider p);

// The schemes, one per file, as the provider table names them.
#define VOXFRA_DECLARE_SCHEME(name, code, adapter, scheme, ...) const SignatureScheme& scheme();
VOXFRA_PROVIDERS(VOXFRA_DECLARE_SCHEME)
#undef VOXFRA_DECLARE_SCHEME

}  // namespace voxfra
