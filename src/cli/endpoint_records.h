// Endpoints and their counters as the CLI reads and writes them, inside
// one transaction so that a check and the change it guards cannot race.
#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "store/endpoint.h"
#include "store/store.h"

namespace voxfra::cli {

std::optional<Endpoint> find_endpoint(Txn& txn, const Store& store, std::string_view slug);
// Throws CommandError `no endpoint with slug "…"`.
Endpoint require_endpoint(Txn& txn, const Store& store, std::string_view slug);
// Every endpoint, oldest first.
std::vector<Endpoint> all_endpoints(Txn& txn, const Store& store);
void save_endpoint(Txn& txn, const Store& store, const Endpoint& endpoint);

// The endpoint's counters (the fleet's on a fleet node); all zero when it
// was never used.
EndpointStats endpoint_stats(Txn& txn, const Store& store, std::string_view slug);

}  // namespace voxfra::cli
