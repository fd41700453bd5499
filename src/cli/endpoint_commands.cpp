// voxfra endpoint create|list|show|disable|enable|revoke|replace|rotate-secret|set
#include <algorithm>

#include "auth/random.h"
#include "auth/signature.h"
#include "cli/commands.h"
#include "cli/endpoint_book.h"
#include "cli/endpoint_output.h"
#include "cli/validate.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

constexpr std::uint64_t kMaxRateLimit = 1'000'000;  // a minute; far beyond any provider's burst

// The --allow entries, checked. The module reads endpoints without
// allocating, into fixed arrays: a longer list would make the endpoint
// unreadable there.
std::vector<std::string> read_allow(const Args& args) {
  std::vector<std::string> allow;
  for (const std::string& cidr : args.values("allow")) allow.push_back(check_cidr(cidr));
  if (allow.size() > EndpointView::kMaxAllow) {
    throw UsageError("at most " + std::to_string(EndpointView::kMaxAllow) + " --allow entries");
  }
  return allow;
}

// Saves a changed endpoint and answers with it as `show` prints it.
int save_and_show(const Cli& cli, EndpointBook& book, Endpoint& e) {
  e.updated_at = now_millis();
  book.save(e);
  EndpointStats stats = book.stats(e.slug);
  book.commit();
  print_endpoint(cli, {e, stats});
  return 0;
}

// The secret a command gives an endpoint: --secret-file's (supplied), or
// one voxfra makes with --hmac, or without either when `generate_by_default`.
std::optional<NewSecret> read_new_secret(const Args& args, bool generate_by_default) {
  if (args.has("hmac") && args.has("secret-file")) {
    throw UsageError("give --hmac (a new secret) or --secret-file (your own), not both");
  }
  if (auto file = args.value("secret-file")) return NewSecret{read_secret_file(*file), false};
  if (args.has("hmac") || generate_by_default) return NewSecret{random_secret(), true};
  return std::nullopt;
}

// Why `e` could verify no delivery (missing_credentials), as a sentence, or
// empty: create, replace and rotate-secret refuse to save such an endpoint.
std::string unverifiable(const Endpoint& e) {
  std::string_view missing = missing_credentials(e.provider, !e.secrets.empty(), !e.api_key.empty());
  if (missing.empty()) return {};
  return "a " + std::string(provider_name(e.provider)) + " endpoint " + std::string(missing) +
         ": without them no delivery could be verified";
}

// The endpoint `endpoint create` describes, before it has a slug and id.
struct NewEndpoint {
  Endpoint endpoint;
  std::optional<NewSecret> secret;
};

NewEndpoint read_create_options(const Args& args) {
  NewEndpoint made;
  Endpoint& e = made.endpoint;
  for (std::string_view required : {"org", "client", "provider"}) {
    if (!args.value(required)) throw UsageError("endpoint create needs --" + std::string(required));
  }
  e.org = check_name("org", *args.value("org"));
  e.client = check_name("client", *args.value("client"));
  e.provider = check_provider(*args.value("provider"));
  e.allow = read_allow(args);
  if (auto limit = args.value("rate-limit")) {
    e.rate_limit = static_cast<std::uint32_t>(check_positive("rate-limit", *limit, kMaxRateLimit));
  }
  if (auto key = args.value("api-key")) {
    if (e.provider != Provider::livekit) throw UsageError("--api-key is only for --provider livekit");
    if (key->empty()) throw UsageError("--api-key is empty");
    e.api_key = *key;
  }
  made.secret = read_new_secret(args, false);
  if (made.secret) e.secrets.push_back({made.secret->value, 0});
  if (std::string why = unverifiable(e); !why.empty()) throw UsageError(why);
  return made;
}

// Gives `e` a fresh slug and id (192 random bits: never one in use).
void name_new(Endpoint& e) {
  e.slug = random_slug();
  e.id = "ep_" + random_hex(8);
}

// Checks the one-active rule and saves `e` (named) as a new active endpoint.
void issue(EndpointBook& book, Endpoint& e, std::string_view except_slug) {
  refuse_second_active(book, e, except_slug);
  e.status = EndpointStatus::active;
  e.created_at = e.updated_at = now_millis();
  book.save(e);
}

int endpoint_create(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("endpoint create takes no argument \"" + operands.front() + "\"");
  NewEndpoint made = read_create_options(args);
  auto book = open_endpoint_book(cli, args, Access::create);
  name_new(made.endpoint);
  issue(*book, made.endpoint, "");
  book->commit();
  print_issued(cli, made.endpoint, made.secret);
  return 0;
}

int endpoint_list(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("endpoint list takes no argument \"" + operands.front() + "\"");
  std::optional<std::string> org, client;
  std::optional<Provider> provider;
  std::optional<EndpointStatus> status;
  if (auto v = args.value("org")) org = check_name("org", *v);
  if (auto v = args.value("client")) client = check_name("client", *v);
  if (auto v = args.value("provider")) provider = check_provider(*v);
  if (auto v = args.value("status")) status = check_status(*v);

  auto book = open_endpoint_book(cli, args, Access::read);
  std::vector<EndpointWithStats> shown;
  for (Endpoint& e : book->all()) {
    if ((org && e.org != *org) || (client && e.client != *client) || (provider && e.provider != *provider) ||
        (status && e.status != *status)) {
      continue;
    }
    EndpointStats stats = book->stats(e.slug);
    shown.emplace_back(std::move(e), stats);
  }
  print_endpoint_list(cli, shown);
  return 0;
}

int endpoint_show(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  const std::string& slug = single_operand(operands, "endpoint show", "SLUG");
  auto book = open_endpoint_book(cli, args, Access::read);
  Endpoint e = require_endpoint(*book, slug);
  print_endpoint(cli, {e, book->stats(slug)});
  return 0;
}

// disable, enable and revoke: one status change, checked and saved in one
// write transaction, answered with the endpoint as `show` prints it.
int change_status(const Cli& cli, const Args& args, std::span<const std::string> operands, std::string_view command,
                  EndpointStatus target) {
  const std::string& slug = single_operand(operands, command, "SLUG");
  auto book = open_endpoint_book(cli, args, Access::write);
  Endpoint e = require_endpoint(*book, slug);
  if (e.status == EndpointStatus::revoked && target != EndpointStatus::revoked) {
    throw CommandError("endpoint " + e.id + " is revoked and cannot be " +
                       (target == EndpointStatus::active ? "enabled" : "disabled") +
                       "; create a new one with `voxfra endpoint create`");
  }
  if (target == EndpointStatus::active) refuse_second_active(*book, e, e.slug);
  if (e.status == target) {  // nothing to change: not even updated_at
    print_endpoint(cli, {e, book->stats(slug)});
    return 0;
  }
  e.status = target;
  return save_and_show(cli, *book, e);
}

int endpoint_disable(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  return change_status(cli, args, operands, "endpoint disable", EndpointStatus::inactive);
}

int endpoint_enable(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  return change_status(cli, args, operands, "endpoint enable", EndpointStatus::active);
}

int endpoint_revoke(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  return change_status(cli, args, operands, "endpoint revoke", EndpointStatus::revoked);
}

int endpoint_replace(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  const std::string& slug = single_operand(operands, "endpoint replace", "SLUG");
  auto book = open_endpoint_book(cli, args, Access::write);
  Endpoint old = require_endpoint(*book, slug);
  if (old.status == EndpointStatus::revoked) {
    throw CommandError("endpoint " + old.id + " is already revoked" +
                       (old.replaced_by.empty() ? "" : " (replaced by " + old.replaced_by + ")") +
                       "; create a new one with `voxfra endpoint create`");
  }
  // Same routing, limits and allowlist; a new slug, id and (if it signed) secret.
  Endpoint fresh;
  fresh.org = old.org;
  fresh.client = old.client;
  fresh.provider = old.provider;
  fresh.allow = old.allow;
  fresh.rate_limit = old.rate_limit;
  fresh.api_key = old.api_key;
  std::optional<NewSecret> secret;
  if (!old.secrets.empty()) {
    secret = NewSecret{random_secret(), true};
    fresh.secrets.push_back({secret->value, 0});
  }
  if (std::string why = unverifiable(fresh); !why.empty()) {
    throw CommandError("endpoint " + old.id + " cannot be replaced: " + why +
                       "; create one with `voxfra endpoint create`");
  }
  // The old one is revoked first: in the fleet's bucket the two writes are
  // not one transaction, and a failure between them must not leave two
  // active endpoints (at worst the old one is revoked, and `replace` names
  // the new slug it meant to issue).
  name_new(fresh);
  old.status = EndpointStatus::revoked;
  old.replaced_by = fresh.slug;
  old.updated_at = now_millis();
  book->save(old);
  issue(*book, fresh, old.slug);
  book->commit();
  print_issued(cli, fresh, secret, &old);
  return 0;
}

constexpr std::int64_t kDefaultGraceSeconds = 24 * 60 * 60;

// A new current secret; the old current one stays valid for the grace
// period, so that the provider's settings can be changed without losing a
// call. Secrets already past their grace are dropped.
int endpoint_rotate_secret(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  const std::string& slug = single_operand(operands, "endpoint rotate-secret", "SLUG");
  std::int64_t grace_seconds = kDefaultGraceSeconds;
  if (auto g = args.value("grace")) {
    auto parsed = parse_duration_seconds(*g);
    if (!parsed) throw UsageError("--grace must be a duration such as 30m, 24h or 0, not \"" + *g + "\"");
    grace_seconds = *parsed;
  }
  std::optional<NewSecret> secret = read_new_secret(args, true);
  auto book = open_endpoint_book(cli, args, Access::write);
  Endpoint e = require_endpoint(*book, slug);
  if (e.status == EndpointStatus::revoked) throw CommandError("endpoint " + e.id + " is revoked");
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
  e.secrets.push_back({secret->value, 0});
  e.secrets.insert(e.secrets.end(), kept.begin(), kept.end());
  if (std::string why = unverifiable(e); !why.empty()) {
    throw CommandError("endpoint " + e.id + " cannot take this secret: " + why +
                       "; create one with `voxfra endpoint create`");
  }
  e.updated_at = now;
  book->save(e);
  book->commit();
  print_issued(cli, e, secret);
  return 0;
}

// Changes the allowlist and the rate limit in place: the slug and secrets
// stay, and the module sees the change at its next request.
int endpoint_set(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  const std::string& slug = single_operand(operands, "endpoint set", "SLUG");
  std::vector<std::string> allow = read_allow(args);
  bool clear_allow = args.has("allow-any");
  if (clear_allow && !allow.empty()) throw UsageError("give --allow or --allow-any, not both");
  std::optional<std::uint32_t> rate;
  if (auto limit = args.value("rate-limit")) {
    rate = static_cast<std::uint32_t>(check_positive("rate-limit", *limit, kMaxRateLimit));
  }
  bool default_rate = args.has("default-rate-limit");
  if (default_rate && rate) throw UsageError("give --rate-limit or --default-rate-limit, not both");
  if (allow.empty() && !clear_allow && !rate && !default_rate) {
    throw UsageError("endpoint set needs --allow, --allow-any, --rate-limit or --default-rate-limit");
  }
  auto book = open_endpoint_book(cli, args, Access::write);
  Endpoint e = require_endpoint(*book, slug);
  if (!allow.empty()) e.allow = allow;
  if (clear_allow) e.allow.clear();
  if (rate) e.rate_limit = *rate;
  if (default_rate) e.rate_limit = 0;
  return save_and_show(cli, *book, e);
}

// Every endpoint command but `log` runs against the fleet's bucket with --nats.
#define NATS_FLAGS "nats nats-user nats-password-file nats-ca"

constexpr Command kEndpointCommands[] = {
    {"endpoint", "create",
     "--org O --client C --provider P [--hmac | --secret-file F] [--allow CIDR]... [--rate-limit N] "
     "[--api-key K]",
     "org client provider hmac secret-file allow rate-limit api-key " NATS_FLAGS,
     endpoint_create},
    {"endpoint", "list", "[--org O] [--client C] [--provider P] [--status S]",
     "org client provider status " NATS_FLAGS, endpoint_list},
    {"endpoint", "show", "SLUG", NATS_FLAGS, endpoint_show},
    {"endpoint", "disable", "SLUG", NATS_FLAGS, endpoint_disable},
    {"endpoint", "enable", "SLUG", NATS_FLAGS, endpoint_enable},
    {"endpoint", "revoke", "SLUG", NATS_FLAGS, endpoint_revoke},
    {"endpoint", "replace", "SLUG", NATS_FLAGS, endpoint_replace},
    {"endpoint", "rotate-secret", "SLUG [--grace 24h] [--secret-file F]", "grace secret-file " NATS_FLAGS,
     endpoint_rotate_secret},
    {"endpoint", "set", "SLUG [--allow CIDR]... [--allow-any] [--rate-limit N] [--default-rate-limit]",
     "allow allow-any rate-limit default-rate-limit " NATS_FLAGS, endpoint_set},
    {"endpoint", "log", "SLUG [--limit N]", "limit", endpoint_log},
};
#undef NATS_FLAGS

}  // namespace

std::span<const Command> endpoint_commands() { return kEndpointCommands; }

}  // namespace voxfra::cli
