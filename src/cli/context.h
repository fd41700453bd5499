// What every command gets: where the database is, how to print, and a way
// to open the store for what the command is about to do.
#pragma once
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "store/store.h"

namespace voxfra::cli {

struct Cli {
  std::optional<std::string> db;  // --db, else $VOXFRA_DB
  bool json = false;              // --json
  std::ostream* out = nullptr;    // stdout
};

enum class Access {
  create,  // may create the environment (endpoint create)
  write,   // changes an existing one
  read,    // read-only; a missing database is an error
};

// Throws UsageError when no database is named, CommandError when it cannot
// be opened.
std::unique_ptr<Store> open_store(const Cli& cli, Access access);

}  // namespace voxfra::cli
