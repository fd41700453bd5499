// What `voxfra --help` prints, built from the command tables so that the
// help never drifts from what the parser accepts.
#pragma once
#include <ostream>
#include <string_view>

#include "cli/commands.h"

namespace voxfra::cli {

void print_usage(std::ostream& out);                          // everything
void print_group_usage(std::ostream& out, std::string_view group);  // e.g. every `endpoint` command
void print_command_usage(std::ostream& out, const Command& command);

}  // namespace voxfra::cli
