// What voxfra-fleet keeps in a fleet node's store (docs/fleet.md), in the
// `fleet` database, so that the CLI (`voxfra fleet status`, `calls prune`)
// and the module's metrics read the same figures the daemon writes:
//   node               the node's name: the store is a fleet node, its
//                      endpoints mirrored from the fleet's KV bucket
//   shipped            u64 LE: every record up to this sequence is in the stream
//   last_ack           i64 LE ms: when the stream last acknowledged a record
//   link               the daemon's NATS link ("connected", "lost", "connecting", "stopped")
//   link_since         i64 LE ms: since when
//   pid                i64 LE: the daemon's process id
//   mirror_updated     i64 LE ms: the last endpoint change mirrored, or
//                      snapshot that confirmed the mirror
//   rev/<slug>         u64 LE: the bucket revision the mirrored endpoint has
//   replica            "on" or "off": whether the daemon applies the stream
//   replica_through    u64 LE: every stream message up to this sequence is applied
//   replica_pending    u64 LE: messages after it, as the stream said at the last batch
//   replica_applied_at i64 LE ms: when the replica last applied a batch
// Nothing here knows of NATS.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"
#include "util/time.h"

namespace voxfra {

namespace fleet_key {
inline constexpr std::string_view node = "node";
inline constexpr std::string_view shipped = "shipped";
inline constexpr std::string_view last_ack = "last_ack";
inline constexpr std::string_view link = "link";
inline constexpr std::string_view link_since = "link_since";
inline constexpr std::string_view pid = "pid";
inline constexpr std::string_view mirror_updated = "mirror_updated";
inline constexpr std::string_view revision_prefix = "rev/";
inline constexpr std::string_view replica = "replica";
inline constexpr std::string_view replica_through = "replica_through";
inline constexpr std::string_view replica_pending = "replica_pending";
inline constexpr std::string_view replica_applied_at = "replica_applied_at";
}  // namespace fleet_key

// Reads: nullopt when absent (or the store has no `fleet` database yet).
std::optional<std::string_view> fleet_get(MDB_txn* txn, const Store& store, std::string_view key);
std::optional<std::uint64_t> fleet_get_u64(MDB_txn* txn, const Store& store, std::string_view key);
// Writes, in the caller's write transaction. Throw StoreError.
void fleet_put(MDB_txn* txn, const Store& store, std::string_view key, std::string_view value);
void fleet_put_u64(MDB_txn* txn, const Store& store, std::string_view key, std::uint64_t value);
void fleet_del(MDB_txn* txn, const Store& store, std::string_view key);

// The shipped cursor; nullopt when the store is no fleet node (no daemon
// ever ran on it): then nothing holds records back from `calls prune`.
std::optional<std::uint64_t> shipped_cursor(MDB_txn* txn, const Store& store);

// The node's name when voxfra-fleet mirrors this store's endpoints.
std::optional<std::string> mirrored_by(MDB_txn* txn, const Store& store);

// Whether the record at `sequence` was applied by the replica from another
// node's copy (its call index entry says so): the shipper passes it over,
// the stream has it already.
bool is_replicated(MDB_txn* txn, const Store& store, std::string_view idempotency_key, std::uint64_t sequence);

// `voxfra fleet status` and the voxfra_fleet_* metrics.
struct FleetStatus {
  std::string node;
  std::string link = "stopped";
  UnixMillis link_since = 0;
  std::int64_t pid = 0;
  std::uint64_t endpoints = 0;          // in the node's `endpoints` database
  UnixMillis mirror_updated_at = 0;
  std::uint64_t shipped_through = 0;    // the cursor
  std::uint64_t unshipped = 0;          // records after it
  UnixMillis oldest_unshipped_at = 0;   // received at; 0 when none waits
  UnixMillis last_ack_at = 0;
  bool replica = false;                 // the daemon applies the stream
  std::uint64_t replica_through = 0;    // the stream sequence applied through
  std::uint64_t replica_pending = 0;    // stream messages after it
  UnixMillis replica_applied_at = 0;
  std::uint32_t rate_nodes = 0;         // nodes sharing the rate limits, as last seen
  UnixMillis rates_updated_at = 0;      // 0: the daemon never shared them
  bool rate_fallback = false;           // stale: each node holds to limit / rate_nodes
};
// nullopt when the store is no fleet node. Throws StoreError.
std::optional<FleetStatus> read_fleet_status(MDB_txn* txn, const Store& store);
// The same in a read transaction of its own (the metrics page).
std::optional<FleetStatus> read_fleet_status(Store& store);

}  // namespace voxfra
