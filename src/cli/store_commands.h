// voxfra store info|resize, and voxfra calls prune (listed in the calls
// table, kept here beside the other commands that manage the store's size).
#pragma once
#include <span>
#include <string>

#include "cli/commands.h"

namespace voxfra::cli {

int calls_prune(const Cli& cli, const Args& args, std::span<const std::string> operands);

}  // namespace voxfra::cli
