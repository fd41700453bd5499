// voxfra endpoint create|list|show|disable|enable|revoke|replace|rotate-secret|set
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "cli/commands.h"
#include "cli/endpoint_book.h"
#include "cli/endpoint_output.h"
#include "cli/validate.h"
#include "endpoints/endpoint_changes.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

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

// Commits a change and answers with the endpoint as `show` prints it.
int commit_and_show(const Cli& cli, CliEndpointBook& book, const Endpoint& e) {
  EndpointStats stats = book.stats(e.slug);
  book.commit();
  print_endpoint(cli, {e, stats});
  return 0;
}

// Who runs the command, for the audit log: the login behind sudo too.
ChangeAuthor cli_author() {
  std::string user;
  if (const passwd* pw = getpwuid(geteuid())) user = pw->pw_name;
  if (user.empty()) user = "uid " + std::to_string(geteuid());
  const char* sudo = std::getenv("SUDO_USER");
  if (sudo != nullptr && *sudo != '\0' && user != sudo) user += " (sudo by " + std::string(sudo) + ")";
  return ChangeAuthor{"cli:" + user, {}, {}};
}

// The rules' refusals: a bad value the options could not catch is a usage
// error (exit 2), every other refusal a failed command (exit 1).
template <typename Change>
auto applying_rules(Change change) {
  try {
    return change();
  } catch (const EndpointRefused& refused) {
    if (refused.why == EndpointRefused::Why::invalid) throw UsageError(refused.what());
    throw CommandError(refused.what());
  } catch (const UnreadableEndpoint& unreadable) {
    throw CommandError(unreadable.what());
  }
}

// The secret a command gives an endpoint: --secret-file's (supplied), or
// one voxfra makes with --hmac, or without either when `generate_by_default`.
std::optional<NewSecret> read_new_secret(const Args& args, bool generate_by_default) {
  if (args.has("hmac") && args.has("secret-file")) {
    throw UsageError("give --hmac (a new secret) or --secret-file (your own), not both");
  }
  if (auto file = args.value("secret-file")) return NewSecret{read_secret_file(*file), false};
  if (args.has("hmac") || generate_by_default) return generated_secret();
  return std::nullopt;
}

EndpointSpec read_create_options(const Args& args) {
  EndpointSpec spec;
  for (std::string_view required : {"org", "client", "provider"}) {
    if (!args.value(required)) throw UsageError("endpoint create needs --" + std::string(required));
  }
  spec.org = check_name("org", *args.value("org"));
  spec.client = check_name("client", *args.value("client"));
  spec.provider = check_provider(*args.value("provider"));
  spec.allow = read_allow(args);
  if (auto limit = args.value("rate-limit")) {
    spec.rate_limit = static_cast<std::uint32_t>(check_positive("rate-limit", *limit, kMaxRateLimit));
  }
  if (auto key = args.value("api-key")) {
    if (spec.provider != Provider::livekit) throw UsageError("--api-key is only for --provider livekit");
    if (key->empty()) throw UsageError("--api-key is empty");
    spec.api_key = *key;
  }
  spec.secret = read_new_secret(args, false);
  return spec;
}

int endpoint_create(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("endpoint create takes no argument \"" + operands.front() + "\"");
  EndpointSpec spec = read_create_options(args);
  auto book = open_endpoint_book(cli, args, Access::create);
  Issued made = applying_rules([&] { return create_endpoint(*book, cli_author(), std::move(spec)); });
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
  Endpoint e = applying_rules([&] { return require_endpoint(*book, slug); });
  print_endpoint(cli, {e, book->stats(slug)});
  return 0;
}

// disable, enable and revoke: one status change, checked and saved in one
// write transaction, answered with the endpoint as `show` prints it.
int change_status(const Cli& cli, const Args& args, std::span<const std::string> operands, std::string_view command,
                  EndpointStatus target) {
  const std::string& slug = single_operand(operands, command, "SLUG");
  auto book = open_endpoint_book(cli, args, Access::write);
  StatusChange change = applying_rules([&] { return change_endpoint_status(*book, cli_author(), slug, target); });
  return commit_and_show(cli, *book, change.endpoint);
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
  Issued made = applying_rules([&] { return replace_endpoint(*book, cli_author(), slug); });
  book->commit();
  print_issued(cli, made.endpoint, made.secret, &*made.replaced);
  return 0;
}

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
  Issued made = applying_rules(
      [&] { return rotate_endpoint_secret(*book, cli_author(), slug, std::move(*secret), grace_seconds); });
  book->commit();
  print_issued(cli, made.endpoint, made.secret);
  return 0;
}

// Changes the allowlist and the rate limit in place: the slug and secrets
// stay, and the module sees the change at its next request.
int endpoint_set(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  const std::string& slug = single_operand(operands, "endpoint set", "SLUG");
  std::vector<std::string> allow = read_allow(args);
  bool clear_allow = args.has("allow-any");
  if (clear_allow && !allow.empty()) throw UsageError("give --allow or --allow-any, not both");
  LimitsChange change;
  if (auto limit = args.value("rate-limit")) {
    change.rate_limit = static_cast<std::uint32_t>(check_positive("rate-limit", *limit, kMaxRateLimit));
  }
  bool default_rate = args.has("default-rate-limit");
  if (default_rate && change.rate_limit) throw UsageError("give --rate-limit or --default-rate-limit, not both");
  if (default_rate) change.rate_limit = 0;
  if (!allow.empty() || clear_allow) change.allow = std::move(allow);
  if (!change.allow && !change.rate_limit) {
    throw UsageError("endpoint set needs --allow, --allow-any, --rate-limit or --default-rate-limit");
  }
  auto book = open_endpoint_book(cli, args, Access::write);
  Endpoint e = applying_rules([&] { return set_endpoint_limits(*book, cli_author(), slug, change); });
  return commit_and_show(cli, *book, e);
}

// Every endpoint command but `log` and `audit` runs against the fleet's bucket with --nats.
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
    {"endpoint", "audit", "[SLUG] [--org O] [--limit N]", "org limit", endpoint_audit},
};
#undef NATS_FLAGS

}  // namespace

std::span<const Command> endpoint_commands() { return kEndpointCommands; }

}  // namespace voxfra::cli
