// Every `voxfra` command: its words, its options, its usage line, and the
// function that runs it. main.cpp dispatches through this table.
#pragma once
#include <span>
#include <string>
#include <string_view>

#include "cli/context.h"
#include "util/args.h"

namespace voxfra::cli {

// `operands` are the words after the command's own two.
using CommandFn = int (*)(const Cli& cli, const Args& args, std::span<const std::string> operands);

struct Command {
  std::string_view group;   // "endpoint", or the one word of a single-word command ("send-test")
  std::string_view action;  // "create"; empty for a single-word command
  std::string_view usage;   // what follows "voxfra endpoint create"
  std::string_view options;  // the options it takes, by name, space-separated
  CommandFn run;
};

std::span<const Command> endpoint_commands();
std::span<const Command> calls_commands();
std::span<const Command> store_commands();
std::span<const Command> token_commands();
std::span<const Command> fleet_commands();
// The commands of a group word ("endpoint", "calls", "store", "token").
std::span<const Command> group_commands(std::string_view group);
// Commands of one word, outside the groups: send-test.
std::span<const Command> single_word_commands();

// "endpoint create", "send-test": how messages name a command.
std::string command_name(const Command& command);

// voxfra endpoint log (endpoint_log_command.cpp)
int endpoint_log(const Cli& cli, const Args& args, std::span<const std::string> operands);
// voxfra endpoint audit (endpoint_audit_command.cpp)
int endpoint_audit(const Cli& cli, const Args& args, std::span<const std::string> operands);

}  // namespace voxfra::cli
