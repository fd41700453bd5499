// Which calls a `calls` command is about (--org, --client, --provider,
// --since, --until) and the walks over the `calls` database that list,
// export and tail share.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "store/call_listing.h"
#include "store/store.h"
#include "util/args.h"

namespace voxfra::cli {

// The filter and the order are the core's (store/call_listing.h), which the
// Management API lists with too.
using voxfra::CallFilter;
using voxfra::Order;

// The filter options the command was given; throws UsageError for a bad one.
CallFilter read_filter(const Args& args);

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
