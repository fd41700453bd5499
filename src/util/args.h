// The command line, split into words and options. Options may come before,
// between or after the words; `--name value` and `--name=value` are the
// same; `--` ends the options.
#pragma once
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace voxfra::cli {

struct Args {
  std::vector<std::string> words;  // command, subcommand, operands
  std::map<std::string, std::vector<std::string>, std::less<>> options;  // name without "--"

  bool has(std::string_view name) const { return options.find(name) != options.end(); }
  // The option's value, if it was given.
  std::optional<std::string> value(std::string_view name) const;
  // Every value of a repeatable option, in order.
  std::vector<std::string> values(std::string_view name) const;
};

// Throws UsageError for an unknown option, a missing value, a value given
// to a flag, or a single-valued option given twice.
Args parse_args(int argc, const char* const* argv);

// Throws UsageError naming the first option `command` does not take.
// Global options (--db, --json, --help) are always allowed.
// `allowed` names options without "--", separated by spaces.
void allow_only(const Args& args, std::string_view command, std::string_view allowed);

// The one operand (named `what` in the message) of `command`; throws
// UsageError when there is none or more than one.
const std::string& single_operand(std::span<const std::string> operands, std::string_view command,
                                  std::string_view what);

}  // namespace voxfra::cli
