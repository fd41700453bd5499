#include "cli/endpoint_records.h"

#include <algorithm>

#include "store/cursor.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

Endpoint decode_or_throw(std::string_view slug, std::string_view bytes) {
  Endpoint e;
  e.slug = std::string(slug);
  if (!decode_endpoint(bytes, e)) {
    throw CommandError("the endpoint record of slug \"" + e.slug + "\" cannot be read by this version of voxfra");
  }
  return e;
}

// LMDB refuses empty and over-long keys; no endpoint has such a slug.
bool plausible_slug(std::string_view slug) { return !slug.empty() && slug.size() <= 256; }

}  // namespace

std::optional<Endpoint> find_endpoint(Txn& txn, const Store& store, std::string_view slug) {
  if (!plausible_slug(slug)) return std::nullopt;
  auto bytes = txn.get(store.endpoints_dbi(), slug);
  if (!bytes) return std::nullopt;
  return decode_or_throw(slug, *bytes);
}

Endpoint require_endpoint(Txn& txn, const Store& store, std::string_view slug) {
  if (auto e = find_endpoint(txn, store, slug)) return *e;
  throw CommandError("no endpoint with slug \"" + std::string(slug) + "\"");
}

std::vector<Endpoint> all_endpoints(Txn& txn, const Store& store) {
  std::vector<Endpoint> all;
  Cursor cursor(txn, store.endpoints_dbi());
  for (bool more = cursor.first(); more; more = cursor.next()) {
    all.push_back(decode_or_throw(cursor.key(), cursor.value()));
  }
  std::stable_sort(all.begin(), all.end(), [](const Endpoint& a, const Endpoint& b) {
    return a.created_at < b.created_at;
  });
  return all;
}

void save_endpoint(Txn& txn, const Store& store, const Endpoint& endpoint) {
  txn.put(store.endpoints_dbi(), endpoint.slug, encode_endpoint(endpoint));
}

EndpointStats endpoint_stats(Txn& txn, const Store& store, std::string_view slug) {
  return read_endpoint_stats(txn.get(), store, slug);
}

}  // namespace voxfra::cli
