#include "util/args.h"

#include <algorithm>

#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

struct OptionSpec {
  std::string_view name;
  bool takes_value;
  bool repeatable;
};

// Every option of every command. One table, so that the parser knows
// whether `--org` swallows the next word before it knows the command.
constexpr OptionSpec kOptions[] = {
    {"db", true, false},         {"json", false, false},      {"help", false, false},
    {"org", true, false},        {"client", true, false},     {"provider", true, false},
    {"status", true, false},     {"hmac", false, false},      {"secret-file", true, false},
    {"allow", true, true},       {"rate-limit", true, false}, {"api-key", true, false},
    {"since", true, false},      {"until", true, false},      {"limit", true, false},
    {"call-id", true, false},    {"grace", true, false},      {"allow-any", false, false},
    {"default-rate-limit", false, false},
    {"url", true, false},        {"format", true, false},     {"no-header", false, false},
    {"raw-cells", false, false},
    {"after", true, false},      {"cursor-file", true, false}, {"poll", true, false},
    {"size", true, false},       {"before", true, false},     {"dry-run", false, false},
    {"batch", true, false},
    {"all", false, false},       {"name", true, false},       {"version", false, false},
    {"role", true, false},
    // The fleet: the CLI's --nats flags and voxfra-fleet's own.
    {"nats", true, false},       {"nats-user", true, false},  {"nats-password-file", true, false},
    {"nats-ca", true, false},    {"node", true, false},       {"replicas", true, false},
    {"max-age", true, false},    {"duplicate-window", true, false}, {"reconcile-interval", true, false},
    {"ack-wait", true, false},   {"no-replica", false, false},
};

constexpr std::string_view kGlobalOptions = "db json help";  // every command takes these

const OptionSpec* find_option(std::string_view name) {
  for (const OptionSpec& spec : kOptions) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// Whether `name` is one of the space-separated words of `list`.
bool is_listed(std::string_view list, std::string_view name) {
  for (std::size_t start = 0; start < list.size();) {
    std::size_t end = std::min(list.find(' ', start), list.size());
    if (list.substr(start, end - start) == name) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::optional<std::string> Args::value(std::string_view name) const {
  auto it = options.find(name);
  if (it == options.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::values(std::string_view name) const {
  auto it = options.find(name);
  return it == options.end() ? std::vector<std::string>{} : it->second;
}

Args parse_args(int argc, const char* const* argv) {
  Args args;
  bool options_ended = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    if (options_ended || word == "-" || word.empty() || word.front() != '-') {
      args.words.emplace_back(word);
      continue;
    }
    if (word == "--") {
      options_ended = true;
      continue;
    }
    if (word == "-h") word = "--help";
    if (!word.starts_with("--")) throw UsageError("unknown option " + std::string(word));

    std::string_view name = word.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string_view::npos) {
      inline_value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = find_option(name);
    if (spec == nullptr) throw UsageError("unknown option --" + std::string(name));
    std::string option = "--" + std::string(name);

    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < argc) {
        value = argv[++i];  // taken as is, so that "-3" reaches validation
      } else {
        throw UsageError(option + " needs a value");
      }
    } else if (inline_value) {
      throw UsageError(option + " takes no value");
    }

    auto& values = args.options[std::string(name)];
    if (!values.empty() && !spec->repeatable) throw UsageError(option + " is given more than once");
    values.push_back(std::move(value));
  }
  return args;
}

void allow_only(const Args& args, std::string_view command, std::string_view allowed) {
  for (const auto& [name, values] : args.options) {
    if (!is_listed(kGlobalOptions, name) && !is_listed(allowed, name)) {
      throw UsageError(std::string(command) + " takes no option --" + name);
    }
  }
}

const std::string& single_operand(std::span<const std::string> operands, std::string_view command,
                                  std::string_view what) {
  if (operands.empty()) throw UsageError(std::string(command) + " needs a " + std::string(what));
  if (operands.size() > 1) {
    throw UsageError(std::string(command) + " takes one " + std::string(what) + ", not also \"" + operands[1] + "\"");
  }
  return operands.front();
}

}  // namespace voxfra::cli
