#include "endpoints/endpoint_changes.h"

#include <algorithm>

#include "auth/cidr.h"
#include "auth/random.h"
#include "auth/signature.h"
#include "util/json_writer.h"

namespace voxfra {

namespace {

using Why = EndpointRefused::Why;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

// Why `e` could verify no delivery (missing_credentials), as a sentence, or
// empty: create, replace and rotate refuse to save such an endpoint.
std::string unverifiable(const Endpoint& e) {
  std::string_view missing = missing_credentials(e.provider, !e.secrets.empty(), !e.api_key.empty());
  if (missing.empty()) return {};
  return "a " + std::string(provider_name(e.provider)) + " endpoint " + std::string(missing) +
         ": without them no delivery could be verified";
}

void write_allow(JsonWriter& w, std::string_view name, const std::vector<std::string>& allow) {
  w.key(name).begin_array();
  for (const std::string& cidr : allow) w.string(cidr);
  w.end_array();
}

void write_rate(JsonWriter& w, std::string_view name, std::uint32_t rate) {
  w.key(name);
  if (rate == 0) {
    w.null();
  } else {
    w.integer(rate);
  }
}

// Records `action` on `e` with `detail`'s members: never a secret, never a
// whole slug.
template <typename WriteDetail>
void record(EndpointBook& book, const ChangeAuthor& author, std::string_view action, const Endpoint& e,
            UnixMillis at, WriteDetail write_detail) {
  AuditEntry entry;
  entry.at = at;
  entry.actor = author.actor;
  entry.token_id = author.token_id;
  entry.request_id = author.request_id;
  entry.action = std::string(action);
  entry.endpoint_id = e.id;
  entry.org = e.org;
  entry.client = e.client;
  entry.provider = std::string(provider_name(e.provider));
  entry.slug_prefix = slug_prefix(e.slug);
  std::pmr::string detail;
  JsonWriter w(detail);
  w.begin_object();
  write_detail(w);
  w.end_object();
  entry.detail = std::string(detail);
  book.audit(entry);
}

// Gives `e` a fresh slug and id (192 random bits: never one in use).
void name_new(Endpoint& e) {
  e.slug = random_slug();
  e.id = "ep_" + random_hex(8);
}

// Checks the one-active rule and saves `e` (named) as a new active endpoint.
void issue(EndpointBook& book, Endpoint& e, std::string_view except_slug, UnixMillis now) {
  refuse_second_active(book, e, except_slug);
  e.status = EndpointStatus::active;
  e.created_at = e.updated_at = now;
  book.save(e);
}

void check_allow(const std::vector<std::string>& allow) {
  for (const std::string& cidr : allow) {
    if (auto problem = cidr_problem(cidr)) {
      throw EndpointRefused(Why::invalid, "\"" + cidr + "\": " + *problem, "allow");
    }
  }
  // The module reads endpoints without allocating, into fixed arrays: a
  // longer list would make the endpoint unreadable there.
  if (allow.size() > EndpointView::kMaxAllow) {
    throw EndpointRefused(Why::invalid, "at most " + std::to_string(EndpointView::kMaxAllow) + " allowlist entries",
                          "allow");
  }
}

void check_rate(std::uint64_t rate) {
  if (rate > kMaxRateLimit) {
    throw EndpointRefused(Why::invalid, "a rate limit is at most " + std::to_string(kMaxRateLimit) + " a minute",
                          "rateLimit");
  }
}

}  // namespace

std::optional<std::string> name_problem(std::string_view value) {
  bool ok = !value.empty() && value.size() <= kMaxNameLength;
  for (char c : value) ok = ok && is_name_char(c);
  if (ok) return std::nullopt;
  return std::string(kNameRule);
}

// The module's own parser decides: a rule accepted here is one the module
// applies, never one it silently cannot read.
std::optional<std::string> cidr_problem(std::string_view cidr) {
  if (parse_cidr(cidr)) return std::nullopt;
  return "not an IPv4 or IPv6 address with an optional /prefix (0-32 or 0-128, no leading zeros)";
}

std::string endpoint_path(const Endpoint& e) {
  return "/webhooks/" + std::string(provider_name(e.provider)) + "/" + e.slug;
}

NewSecret generated_secret() { return NewSecret{random_secret(), true}; }

Endpoint require_endpoint(EndpointBook& book, std::string_view slug) {
  if (auto e = book.find(slug)) return *e;
  throw EndpointRefused(Why::not_found, "no endpoint with slug \"" + std::string(slug) + "\"");
}

void refuse_second_active(EndpointBook& book, const Endpoint& wanted, std::string_view except_slug) {
  for (const Endpoint& e : book.all()) {
    if (e.status == EndpointStatus::active && e.slug != except_slug && e.org == wanted.org &&
        e.client == wanted.client && e.provider == wanted.provider) {
      throw EndpointRefused(Why::conflict, "an active endpoint for org \"" + e.org + "\", client \"" + e.client +
                                               "\", provider " + std::string(provider_name(e.provider)) +
                                               " already exists: " + e.id +
                                               " (disable or revoke it first, or replace it)");
    }
  }
}

Issued create_endpoint(EndpointBook& book, const ChangeAuthor& author, EndpointSpec spec) {
  if (auto p = name_problem(spec.org)) throw EndpointRefused(Why::invalid, "org \"" + spec.org + "\": " + *p, "org");
  if (auto p = name_problem(spec.client)) {
    throw EndpointRefused(Why::invalid, "client \"" + spec.client + "\": " + *p, "client");
  }
  check_allow(spec.allow);
  check_rate(spec.rate_limit);
  if (!spec.api_key.empty() && spec.provider != Provider::livekit) {
    throw EndpointRefused(Why::invalid, "an API key is only for provider livekit", "apiKey");
  }
  if (spec.secret && spec.secret->value.size() < kMinSecretLength) {
    throw EndpointRefused(Why::invalid, "a secret has 16 characters at least", "secret");
  }
  Issued made;
  Endpoint& e = made.endpoint;
  e.org = std::move(spec.org);
  e.client = std::move(spec.client);
  e.provider = spec.provider;
  e.allow = std::move(spec.allow);
  e.rate_limit = spec.rate_limit;
  e.api_key = std::move(spec.api_key);
  made.secret = std::move(spec.secret);
  if (made.secret) e.secrets.push_back({made.secret->value, 0});
  if (std::string why = unverifiable(e); !why.empty()) throw EndpointRefused(Why::invalid, why, "hmac");
  name_new(e);
  UnixMillis now = now_millis();
  issue(book, e, "", now);
  record(book, author, "create", e, now, [&](JsonWriter& w) {
    w.key("hmac").boolean(!e.secrets.empty());
    write_allow(w, "allow", e.allow);
    write_rate(w, "rateLimit", e.rate_limit);
  });
  return made;
}

StatusChange change_endpoint_status(EndpointBook& book, const ChangeAuthor& author, std::string_view slug,
                                    EndpointStatus target) {
  Endpoint e = require_endpoint(book, slug);
  if (e.status == EndpointStatus::revoked && target != EndpointStatus::revoked) {
    throw EndpointRefused(Why::revoked, "endpoint " + e.id + " is revoked and cannot be " +
                                            (target == EndpointStatus::active ? "enabled" : "disabled") +
                                            "; create a new one");
  }
  if (target == EndpointStatus::active) refuse_second_active(book, e, e.slug);
  if (e.status == target) return {std::move(e), false};  // nothing to change: not even updated_at
  const EndpointStatus from = e.status;
  e.status = target;
  e.updated_at = now_millis();
  book.save(e);
  std::string_view action = target == EndpointStatus::active     ? "enable"
                            : target == EndpointStatus::inactive ? "disable"
                                                                 : "revoke";
  record(book, author, action, e, e.updated_at, [&](JsonWriter& w) {
    w.field("from", endpoint_status_name(from)).field("to", endpoint_status_name(target));
  });
  return {std::move(e), true};
}

Issued replace_endpoint(EndpointBook& book, const ChangeAuthor& author, std::string_view slug) {
  Endpoint old = require_endpoint(book, slug);
  if (old.status == EndpointStatus::revoked) {
    throw EndpointRefused(Why::revoked, "endpoint " + old.id + " is already revoked" +
                                            (old.replaced_by.empty() ? "" : " (and replaced)") + "; create a new one");
  }
  Issued made;
  Endpoint& fresh = made.endpoint;
  fresh.org = old.org;
  fresh.client = old.client;
  fresh.provider = old.provider;
  fresh.allow = old.allow;
  fresh.rate_limit = old.rate_limit;
  fresh.api_key = old.api_key;
  if (!old.secrets.empty()) {
    made.secret = generated_secret();
    fresh.secrets.push_back({made.secret->value, 0});
  }
  if (std::string why = unverifiable(fresh); !why.empty()) {
    throw EndpointRefused(Why::unverifiable, "endpoint " + old.id + " cannot be replaced: " + why + "; create one");
  }
  // The old one is revoked first: in the fleet's bucket the two writes are
  // not one transaction, and a failure between them must not leave two
  // active endpoints (at worst the old one is revoked, and the caller names
  // the new slug it meant to issue).
  name_new(fresh);
  UnixMillis now = now_millis();
  old.status = EndpointStatus::revoked;
  old.replaced_by = fresh.slug;
  old.updated_at = now;
  book.save(old);
  issue(book, fresh, old.slug, now);
  record(book, author, "replace", old, now, [&](JsonWriter& w) {
    w.field("replacedBy", fresh.id).field("replacedBySlugPrefix", slug_prefix(fresh.slug));
    w.key("hmac").boolean(!fresh.secrets.empty());
  });
  made.replaced = std::move(old);
  return made;
}

Issued rotate_endpoint_secret(EndpointBook& book, const ChangeAuthor& author, std::string_view slug,
                              NewSecret secret, std::int64_t grace_seconds) {
  if (grace_seconds < 0 || grace_seconds > kMaxGraceSeconds) {
    throw EndpointRefused(Why::invalid, "a grace period is from 0 to 30 days", "graceSeconds");
  }
  if (secret.value.size() < kMinSecretLength) {
    throw EndpointRefused(Why::invalid, "a secret has 16 characters at least", "secret");
  }
  Endpoint e = require_endpoint(book, slug);
  if (e.status == EndpointStatus::revoked) throw EndpointRefused(Why::revoked, "endpoint " + e.id + " is revoked");
  UnixMillis now = now_millis();
  std::vector<EndpointSecret> kept;
  for (EndpointSecret& old : e.secrets) {
    if (old.expires_at == 0) old.expires_at = now + grace_seconds * 1000;
    if (old.expires_at > now) kept.push_back(old);
  }
  // The module reads at most kMaxSecrets: keep the newest of the old ones.
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.expires_at > b.expires_at; });
  if (kept.size() > EndpointView::kMaxSecrets - 1) kept.resize(EndpointView::kMaxSecrets - 1);
  e.secrets.clear();
  e.secrets.push_back({secret.value, 0});
  e.secrets.insert(e.secrets.end(), kept.begin(), kept.end());
  if (std::string why = unverifiable(e); !why.empty()) {
    throw EndpointRefused(Why::unverifiable, "endpoint " + e.id + " cannot take this secret: " + why);
  }
  e.updated_at = now;
  book.save(e);
  record(book, author, "rotate-secret", e, now, [&](JsonWriter& w) {
    w.key("graceSeconds").integer(grace_seconds);
    w.key("oldSecretsValid").integer(static_cast<std::int64_t>(kept.size()));
    w.key("generated").boolean(secret.generated);
  });
  Issued made;
  made.endpoint = std::move(e);
  made.secret = std::move(secret);
  return made;
}

Endpoint set_endpoint_limits(EndpointBook& book, const ChangeAuthor& author, std::string_view slug,
                             const LimitsChange& change) {
  if (change.allow) check_allow(*change.allow);
  if (change.rate_limit) check_rate(*change.rate_limit);
  Endpoint e = require_endpoint(book, slug);
  const Endpoint before = e;
  if (change.allow) e.allow = *change.allow;
  if (change.rate_limit) e.rate_limit = *change.rate_limit;
  e.updated_at = now_millis();
  book.save(e);
  record(book, author, "set", e, e.updated_at, [&](JsonWriter& w) {
    if (change.allow) {
      write_allow(w, "allowFrom", before.allow);
      write_allow(w, "allowTo", e.allow);
    }
    if (change.rate_limit) {
      write_rate(w, "rateLimitFrom", before.rate_limit);
      write_rate(w, "rateLimitTo", e.rate_limit);
    }
  });
  return e;
}

}  // namespace voxfra
