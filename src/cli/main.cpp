// voxfra: manages the endpoints and reads the calls of a Voxfra LMDB
// store. Exit status: 0 done, 1 failed, 2 called wrongly.
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/store_commands.h"
#include "cli/usage.h"
#include "util/args.h"
#include "util/command_errors.h"
#include "util/version.h"

namespace voxfra::cli {

namespace {

constexpr std::string_view kGroups[] = {"endpoint", "calls", "store", "token", "fleet"};

std::string names_of(std::span<const Command> commands) {
  std::string names;
  for (const Command& c : commands) names += (names.empty() ? "" : ", ") + std::string(c.action);
  return names;
}

std::string names_of_single_word_commands() {
  std::string names;
  for (const Command& c : single_word_commands()) names += (names.empty() ? "" : ", ") + std::string(c.group);
  return names;
}

bool known_group(std::string_view word) {
  for (std::string_view g : kGroups) {
    if (g == word) return true;
  }
  return false;
}

const Command* find_single_word_command(std::string_view word) {
  for (const Command& c : single_word_commands()) {
    if (c.group == word) return &c;
  }
  return nullptr;
}

const Command& find_command(std::string_view group, std::string_view action) {
  for (const Command& c : group_commands(group)) {
    if (c.action == action) return c;
  }
  throw UsageError("unknown " + std::string(group) + " command \"" + std::string(action) +
                   "\"; one of: " + names_of(group_commands(group)));
}

Cli make_cli(const Args& args) {
  Cli cli;
  cli.db = args.value("db");
  if (!cli.db) {
    if (const char* env = std::getenv("VOXFRA_DB"); env != nullptr && *env != '\0') cli.db = env;
  }
  cli.json = args.has("json");
  cli.out = &std::cout;
  return cli;
}

int run_command(const Command& command, const Args& args) {
  if (args.has("help")) {
    print_command_usage(std::cout, command);
    return 0;
  }
  try {
    allow_only(args, command_name(command), command.options);
    const std::size_t command_words = command.action.empty() ? 1 : 2;
    std::span<const std::string> operands(args.words.begin() + command_words, args.words.end());
    int status = command.run(make_cli(args), args, operands);
    std::cout.flush();
    return status;
  } catch (const UsageError& e) {
    std::cerr << "voxfra: " << e.what() << '\n';
    print_command_usage(std::cerr, command);
    return kExitUsage;
  }
}

int run(int argc, const char* const* argv) {
  Args args = parse_args(argc, argv);
  if (args.words.empty() && args.has("version")) {
    std::cout << "voxfra " << voxfra::version() << '\n';
    return 0;
  }
  if (args.words.empty() || args.words.front() == "help") {
    if (args.has("help") || !args.words.empty()) {
      print_usage(std::cout);
      return 0;
    }
    print_usage(std::cerr);
    return kExitUsage;
  }
  const std::string& group = args.words[0];
  if (const Command* single = find_single_word_command(group)) return run_command(*single, args);
  if (!known_group(group)) {
    throw UsageError("unknown command \"" + group + "\"; one of: endpoint, calls, store, token, fleet, " +
                     names_of_single_word_commands());
  }
  if (args.words.size() == 1) {
    if (args.has("help")) {
      print_group_usage(std::cout, group);
      return 0;
    }
    throw UsageError(group + " needs a command: " + names_of(group_commands(group)));
  }
  return run_command(find_command(group, args.words[1]), args);
}

}  // namespace

}  // namespace voxfra::cli

int main(int argc, char** argv) {
  using namespace voxfra::cli;
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "voxfra: " << e.what() << "\nRun `voxfra --help` for usage.\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    // CommandError, StoreError, and anything else: the command failed.
    std::cerr << "voxfra: " << e.what() << '\n';
    return kExitFailure;
  }
}
