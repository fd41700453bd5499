// Which calls a `calls` command is about (--org, --client, --provider,
// --since, --until) and the walks over the `calls` database that list,
// export and tail share.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "cli/args.h"
#include "store/store.h"

namespace voxfra::cli {

struct CallFilter {
  std::optional<std::string> org, client;
  std::optional<Provider> provider;
  UnixMillis since = std::numeric_limits<UnixMillis>::min();
  UnixMillis until = std::numeric_limits<UnixMillis>::max();

  bool matches(const StoredCall& c) const {
    return (!org || c.org == *org) && (!client || c.client == *client) && (!provider || c.provider == *provider) &&
           c.received_at >= since && c.received_at <= until;
  }
};

// The filter options the command was given; throws UsageError for a bad one.
CallFilter read_filter(const Args& args);

enum class Order { newest_first, oldest_first };

// Returns false to stop the walk.
using CallVisitor = std::function<bool(const StoredCall&)>;

// Calls `visit` with each readable record in `order` until it returns false.
// The views stay valid while `txn` is open. A record this version cannot
// read (written by a newer one) is passed over rather than ending the walk.
void walk_calls(Txn& txn, const Store& store, Order order, const CallVisitor& visit);

// Oldest first, from the first record whose sequence is above `after` (0:
// from the start). Returns the sequence of the last record walked past,
// readable or not (`after` when there was none): where the next walk
// continues without a gap or a repeat, since sequences only grow.
std::uint64_t walk_calls_after(Txn& txn, const Store& store, std::uint64_t after, const CallVisitor& visit);

}  // namespace voxfra::cli
