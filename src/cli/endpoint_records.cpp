#include "cli/endpoint_records.h"

#include "endpoints/endpoint_book.h"
#include "store/fleet_rates.h"
#include "util/command_errors.h"

namespace voxfra::cli {

std::optional<Endpoint> find_endpoint(Txn& txn, const Store& store, std::string_view slug) {
  return StoreEndpointBook(txn.get(), store).find(slug);
}

Endpoint require_endpoint(Txn& txn, const Store& store, std::string_view slug) {
  if (auto e = find_endpoint(txn, store, slug)) return *e;
  throw CommandError("no endpoint with slug \"" + std::string(slug) + "\"");
}

std::vector<Endpoint> all_endpoints(Txn& txn, const Store& store) { return StoreEndpointBook(txn.get(), store).all(); }

void save_endpoint(Txn& txn, const Store& store, const Endpoint& endpoint) {
  StoreEndpointBook(txn.get(), store).save(endpoint);
}

EndpointStats endpoint_stats(Txn& txn, const Store& store, std::string_view slug) {
  return read_fleet_endpoint_stats(txn.get(), store, slug);
}

}  // namespace voxfra::cli
