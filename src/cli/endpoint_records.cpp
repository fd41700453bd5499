#include "cli/endpoint_records.h"

#include <algorithm>

#include "store/cursor.h"
#include "cli/errors.h"

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

void refuse_second_active(Txn& txn, const Store& store, const Endpoint& wanted, std::string_view except_slug) {
  for (const Endpoint& e : all_endpoints(txn, store)) {
    if (e.status == EndpointStatus::active && e.slug != except_slug && e.org == wanted.org &&
        e.client == wanted.client && e.provider == wanted.provider) {
      throw CommandError("an active endpoint for org \"" + e.org + "\", client \"" + e.client + "\", provider " +
                         std::string(provider_name(e.provider)) + " already exists: " + e.id +
                         " (disable or revoke it first, or use `voxfra endpoint replace`)");
    }
  }
}

EndpointStats endpoint_stats(Txn& txn, const Store& store, std::string_view slug) {
  return read_endpoint_stats(txn.get(), store, slug);
}

}  // namespace voxfra::cli
