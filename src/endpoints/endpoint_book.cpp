#include "endpoints/endpoint_book.h"

#include <algorithm>

#include "store/cursor.h"
#include "store/fleet_rates.h"
#include "store/lmdb_util.h"

namespace voxfra {

namespace {

Endpoint decode_or_throw(std::string_view slug, std::string_view bytes) {
  Endpoint e;
  e.slug = std::string(slug);
  if (!decode_endpoint(bytes, e)) throw UnreadableEndpoint(slug);
  return e;
}

// LMDB refuses empty and over-long keys; no endpoint has such a slug.
bool plausible_slug(std::string_view slug) { return !slug.empty() && slug.size() <= 256; }

}  // namespace

std::optional<Endpoint> StoreEndpointBook::find(std::string_view slug) {
  if (!plausible_slug(slug)) return std::nullopt;
  MDB_val key = lmdb::val(slug), value;
  int rc = mdb_get(txn_, store_.endpoints_dbi(), &key, &value);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  lmdb::check(rc, "cannot read an endpoint");
  return decode_or_throw(slug, lmdb::view(value));
}

std::vector<Endpoint> StoreEndpointBook::all() {
  std::vector<Endpoint> all;
  Cursor cursor(txn_, store_.endpoints_dbi());
  for (bool more = cursor.first(); more; more = cursor.next()) {
    all.push_back(decode_or_throw(cursor.key(), cursor.value()));
  }
  std::stable_sort(all.begin(), all.end(), [](const Endpoint& a, const Endpoint& b) {
    return a.created_at < b.created_at;
  });
  return all;
}

void StoreEndpointBook::save(const Endpoint& e) {
  std::string value = encode_endpoint(e);
  MDB_val key = lmdb::val(e.slug), v = lmdb::val(value);
  lmdb::check(mdb_put(txn_, store_.endpoints_dbi(), &key, &v, 0), "cannot write an endpoint");
}

EndpointStats StoreEndpointBook::stats(std::string_view slug) { return read_fleet_endpoint_stats(txn_, store_, slug); }

void StoreEndpointBook::audit(AuditEntry& entry) { append_audit_entry(txn_, store_, entry); }

}  // namespace voxfra
