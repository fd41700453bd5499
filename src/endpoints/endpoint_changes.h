// The endpoint rules, one piece of code for `voxfra endpoint ...` and the
// Management API's write routes: what a new endpoint must be, one active
// endpoint per (org, client, provider), what may follow a revoke, how a
// secret is rotated with a grace period. Each change is saved through an
// EndpointBook with its audit entry; the caller commits.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "endpoints/endpoint_book.h"
#include "store/endpoint.h"
#include "util/time.h"

namespace voxfra {

inline constexpr std::uint64_t kMaxRateLimit = 1'000'000;  // a minute; far beyond any provider's burst
inline constexpr std::size_t kMaxNameLength = 64;
inline constexpr std::size_t kMinSecretLength = 16;
inline constexpr std::int64_t kDefaultGraceSeconds = 24 * 60 * 60;
inline constexpr std::int64_t kMaxGraceSeconds = 30 * 24 * 60 * 60;

// What is wrong with a value, as the end of a sentence that names it, or
// nullopt when it is good. The CLI names the option, the API the member.
std::optional<std::string> name_problem(std::string_view org_or_client);
std::optional<std::string> cidr_problem(std::string_view cidr);
inline constexpr std::string_view kNameRule = "use 1-64 characters of letters, digits, '.', '_' and '-'";

// A change refused by the rules; nothing was saved. `field` names the input
// at fault for `invalid`.
class EndpointRefused : public std::runtime_error {
 public:
  enum class Why { invalid, not_found, conflict, revoked, unverifiable };
  EndpointRefused(Why why, const std::string& message, std::string field = {})
      : std::runtime_error(message), why(why), field(std::move(field)) {}
  Why why;
  std::string field;
};

// Who makes a change, for the audit log.
struct ChangeAuthor {
  std::string actor;       // "cli:<user>", a token's name
  std::string token_id;    // empty for the CLI
  std::string request_id;  // empty for the CLI
};

// A secret an endpoint is given. One voxfra made is shown once (the user
// has no other copy); one the user supplied is never shown: they have it,
// and a terminal or a CI log is one more place it would leak.
struct NewSecret {
  std::string value;
  bool generated = false;
};
NewSecret generated_secret();

// A new endpoint as asked for, before it has a slug and an id.
struct EndpointSpec {
  std::string org;
  std::string client;
  Provider provider = Provider::custom;
  std::vector<std::string> allow;
  std::uint32_t rate_limit = 0;  // 0: the zone's default
  std::string api_key;           // LiveKit
  std::optional<NewSecret> secret;
};

// An endpoint just issued (create, replace) or given a new secret (rotate):
// its secret when voxfra made it, and for a replace the endpoint it replaced.
struct Issued {
  Endpoint endpoint;
  std::optional<NewSecret> secret;
  std::optional<Endpoint> replaced;
};

// "/webhooks/<provider>/<slug>": what the provider is given, below the
// server's address (the location of conf/examples).
std::string endpoint_path(const Endpoint& e);

// Throws EndpointRefused not_found `no endpoint with slug "…"`.
Endpoint require_endpoint(EndpointBook& book, std::string_view slug);
// Throws EndpointRefused conflict naming the active endpoint for `wanted`'s
// (org, client, provider), other than `except_slug`, if there is one.
void refuse_second_active(EndpointBook& book, const Endpoint& wanted, std::string_view except_slug);

Issued create_endpoint(EndpointBook& book, const ChangeAuthor& author, EndpointSpec spec);

// disable, enable, revoke. `changed` is false when the endpoint already had
// that status (then nothing is saved, not even updated_at).
struct StatusChange {
  Endpoint endpoint;
  bool changed = false;
};
StatusChange change_endpoint_status(EndpointBook& book, const ChangeAuthor& author, std::string_view slug,
                                    EndpointStatus target);

// Revokes the endpoint and issues a new one with the same routing, limits
// and allowlist; a new slug, id and (if it signed) secret.
Issued replace_endpoint(EndpointBook& book, const ChangeAuthor& author, std::string_view slug);

// A new current secret; the old current one stays valid for `grace_seconds`.
Issued rotate_endpoint_secret(EndpointBook& book, const ChangeAuthor& author, std::string_view slug,
                              NewSecret secret, std::int64_t grace_seconds);

// The allowlist and the rate limit, changed in place (slug and secrets stay).
struct LimitsChange {
  std::optional<std::vector<std::string>> allow;  // empty: any address
  std::optional<std::uint32_t> rate_limit;        // 0: the zone's default
};
Endpoint set_endpoint_limits(EndpointBook& book, const ChangeAuthor& author, std::string_view slug,
                             const LimitsChange& change);

}  // namespace voxfra
