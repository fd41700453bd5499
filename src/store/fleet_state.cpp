#include "store/fleet_state.h"

#include "store/bytes.h"
#include "store/call_index.h"
#include "store/fleet_rates.h"
#include "store/lmdb_util.h"

namespace voxfra {

std::optional<std::string_view> fleet_get(MDB_txn* txn, const Store& store, std::string_view key) {
  if (store.fleet_dbi() == 0) return std::nullopt;
  MDB_val k = lmdb::val(key), v;
  int rc = mdb_get(txn, store.fleet_dbi(), &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  lmdb::check(rc, "cannot read the fleet state");
  return lmdb::view(v);
}

std::optional<std::uint64_t> fleet_get_u64(MDB_txn* txn, const Store& store, std::string_view key) {
  auto bytes = fleet_get(txn, store, key);
  if (!bytes || bytes->size() != 8) return std::nullopt;
  return bytes::get_u64le(bytes->data());
}

void fleet_put(MDB_txn* txn, const Store& store, std::string_view key, std::string_view value) {
  if (store.fleet_dbi() == 0) throw StoreError("the store has no fleet database (opened read-only)");
  MDB_val k = lmdb::val(key), v = lmdb::val(value);
  lmdb::check(mdb_put(txn, store.fleet_dbi(), &k, &v, 0), "cannot write the fleet state");
}

void fleet_put_u64(MDB_txn* txn, const Store& store, std::string_view key, std::uint64_t value) {
  char bytes[8];
  bytes::put_u64le(bytes, value);
  fleet_put(txn, store, key, std::string_view(bytes, 8));
}

void fleet_del(MDB_txn* txn, const Store& store, std::string_view key) {
  if (store.fleet_dbi() == 0) return;
  MDB_val k = lmdb::val(key);
  int rc = mdb_del(txn, store.fleet_dbi(), &k, nullptr);
  if (rc != MDB_NOTFOUND) lmdb::check(rc, "cannot write the fleet state");
}

std::optional<std::uint64_t> shipped_cursor(MDB_txn* txn, const Store& store) {
  return fleet_get_u64(txn, store, fleet_key::shipped);
}

std::optional<std::string> mirrored_by(MDB_txn* txn, const Store& store) {
  auto node = fleet_get(txn, store, fleet_key::node);
  if (!node) return std::nullopt;
  return std::string(*node);
}

bool is_replicated(MDB_txn* txn, const Store& store, std::string_view idempotency_key, std::uint64_t sequence) {
  MDB_val k = lmdb::val(idempotency_key), v;
  if (idempotency_key.empty()) return false;
  int rc = mdb_get(txn, store.callidx_dbi(), &k, &v);
  if (rc == MDB_NOTFOUND) return false;
  lmdb::check(rc, "cannot read the call index");
  auto entry = call_index::decode(lmdb::view(v));
  return entry && entry->replicated && entry->sequence == sequence;
}

std::optional<FleetStatus> read_fleet_status(MDB_txn* txn, const Store& store) {
  auto node = fleet_get(txn, store, fleet_key::node);
  if (!node) return std::nullopt;
  FleetStatus s;
  s.node = std::string(*node);
  if (auto link = fleet_get(txn, store, fleet_key::link)) s.link = std::string(*link);
  s.link_since = static_cast<UnixMillis>(fleet_get_u64(txn, store, fleet_key::link_since).value_or(0));
  s.pid = static_cast<std::int64_t>(fleet_get_u64(txn, store, fleet_key::pid).value_or(0));
  s.mirror_updated_at = static_cast<UnixMillis>(fleet_get_u64(txn, store, fleet_key::mirror_updated).value_or(0));
  s.last_ack_at = static_cast<UnixMillis>(fleet_get_u64(txn, store, fleet_key::last_ack).value_or(0));
  s.shipped_through = fleet_get_u64(txn, store, fleet_key::shipped).value_or(0);
  s.replica = fleet_get(txn, store, fleet_key::replica) == std::optional<std::string_view>("on");
  s.replica_through = fleet_get_u64(txn, store, fleet_key::replica_through).value_or(0);
  s.replica_pending = fleet_get_u64(txn, store, fleet_key::replica_pending).value_or(0);
  if (auto rates = fleet_get(txn, store, fleet_key::rates); rates && rates->size() == 12) {
    s.rates_updated_at = static_cast<UnixMillis>(bytes::get_u64le(rates->data()));
    s.rate_nodes = bytes::get_u32le(rates->data() + 8);
    s.rate_fallback = now_millis() - s.rates_updated_at > kFleetRatesStaleMs;
  }
  s.replica_applied_at =
      static_cast<UnixMillis>(fleet_get_u64(txn, store, fleet_key::replica_applied_at).value_or(0));

  MDB_stat stat;
  lmdb::check(mdb_stat(txn, store.endpoints_dbi(), &stat), "cannot count the endpoints");
  s.endpoints = stat.ms_entries;

  // Sequences are dense: appends count on from the last one, and prune
  // never deletes past the cursor. So the records after the cursor are
  // last - cursor, and the oldest of them is the one right after it.
  MDB_cursor* cursor = nullptr;
  lmdb::check(mdb_cursor_open(txn, store.calls_dbi(), &cursor), "cannot open a cursor");
  MDB_val k, v;
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST);
  if (rc == 0 && k.mv_size == 8) {
    std::uint64_t last = bytes::get_u64be(static_cast<const char*>(k.mv_data));
    if (last > s.shipped_through) {
      s.unshipped = last - s.shipped_through;
      char next[8];
      bytes::put_u64be(next, s.shipped_through + 1);
      k = MDB_val{8, next};
      rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
      StoredCall call;
      if (rc == 0 && decode_stored_call(lmdb::view(v), call)) s.oldest_unshipped_at = call.received_at;
    }
  }
  mdb_cursor_close(cursor);
  if (rc != 0 && rc != MDB_NOTFOUND) lmdb::fail("cannot read the calls", rc);
  return s;
}

std::optional<FleetStatus> read_fleet_status(Store& store) {
  if (store.fleet_dbi() == 0) return std::nullopt;
  Txn txn(store, false);
  return read_fleet_status(txn.get(), store);
}

}  // namespace voxfra
