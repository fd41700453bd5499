#include "cli/usage.h"

#include "base/provider.h"
#include "cli/store_commands.h"

namespace voxfra::cli {

std::span<const Command> group_commands(std::string_view group) {
  if (group == "endpoint") return endpoint_commands();
  if (group == "store") return store_commands();
  if (group == "token") return token_commands();
  if (group == "fleet") return fleet_commands();
  return calls_commands();
}

namespace {

void print_lines(std::ostream& out, std::span<const Command> commands) {
  for (const Command& c : commands) out << "  voxfra " << command_name(c) << ' ' << c.usage << '\n';
}

void print_common(std::ostream& out) {
  out << "\nEvery command takes:\n"
         "  --db PATH    the LMDB environment directory (default: $VOXFRA_DB)\n"
         "  --json       print JSON instead of a table\n"
         "  -h, --help   show this help\n"
         "\nP is one of: "
      << provider_names()
      << "\nT is an RFC 3339 time (2026-11-23T10:00:00Z) or a duration ago (15m, 24h, 7d)"
         "\nCURSOR is what `calls export` printed last (a record id): --after it continues with no gap or repeat"
         "\nSIZE is a number of bytes with k, m, g or t (8g)"
         "\nMS is milliseconds (how often `calls tail` looks for new records; default 1000)\n";
}

}  // namespace

void print_usage(std::ostream& out) {
  out << "usage: voxfra [--db PATH] [--json] COMMAND ...\n       voxfra --version\n\nEndpoints (one secret webhook URL per org, client "
         "and provider):\n";
  print_lines(out, endpoint_commands());
  out << "  In a fleet, each of these but log runs against the fleet's endpoints with --nats URL[,URL...] [NATS AUTH]\n";
  out << "\nCalls (the unified records; list newest first, export and tail oldest first):\n";
  print_lines(out, calls_commands());
  out << "\nTesting a webhook URL (a provider's sample end-of-call report, signed as it signs):\n";
  print_lines(out, single_word_commands());
  out << "\nThe store (how full the LMDB map is; growing it while NGINX runs):\n";
  print_lines(out, store_commands());
  out << "\nManagement API tokens (bearer tokens, scoped to one org or all):\n";
  print_lines(out, token_commands());
  out << "\nThe fleet (nodes sharing endpoints and shipping calls through NATS JetStream; docs/fleet.md):\n";
  print_lines(out, fleet_commands());
  out << "  NATS AUTH is --nats-user U --nats-password-file F and/or --nats-ca FILE (TLS)\n";
  print_common(out);
}

void print_group_usage(std::ostream& out, std::string_view group) {
  out << "usage:\n";
  print_lines(out, group_commands(group));
  print_common(out);
}

void print_command_usage(std::ostream& out, const Command& command) {
  out << "usage: voxfra " << command_name(command) << ' ' << command.usage << '\n';
}

std::string command_name(const Command& command) {
  std::string name(command.group);
  if (!command.action.empty()) name.append(" ").append(command.action);
  return name;
}

}  // namespace voxfra::cli
