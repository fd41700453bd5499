// How a command fails, and so how `voxfra` exits.
#pragma once
#include <stdexcept>

namespace voxfra::cli {

// The command was called wrongly (unknown command or option, a missing or
// bad value): exit 2, so that scripts can tell a typo from a failure.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The command was well formed but could not be done (no such endpoint, a
// conflicting one, the database cannot be opened): exit 1.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

}  // namespace voxfra::cli
