// The calls commands that stream records rather than list them: `calls
// export` (every record after a cursor, as JSON lines or CSV) and `calls
// tail` (new records as they are stored).
#pragma once
#include <span>
#include <string>

#include "cli/context.h"
#include "util/args.h"

namespace voxfra::cli {

int calls_export(const Cli& cli, const Args& args, std::span<const std::string> operands);
int calls_tail(const Cli& cli, const Args& args, std::span<const std::string> operands);

}  // namespace voxfra::cli
