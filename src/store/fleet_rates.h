// One rate limit for a fleet (docs/fleet.md): voxfra-fleet shares each
// endpoint's count of the last minute with the other nodes over core NATS
// and writes what the others counted into the `fleet` database; the
// module's rate check reads it in the read transaction that found the
// endpoint and lets this node have what the fleet has not used:
//   rates         i64 LE ms: when the daemon last refreshed them; u32 LE:
//                 the nodes it saw then, this one included
//   rate/<slug>   u32 LE: requests the other nodes counted in the last minute;
//                 u64 LE: all the requests they ever counted, i64 LE ms: the
//                 latest of their last uses (the fleet's counters that
//                 `endpoint list|show` and the Management API add to this
//                 node's `stats`)
// When `rates` is older than kFleetRatesStaleMs (NATS or the daemon lost),
// each node holds to the limit divided by the nodes last seen: it fails
// safe, not open. Nothing here knows of NATS.
#pragma once
#include <cstdint>
#include <string_view>

#include "base/endpoint_stats.h"
#include "store/store.h"
#include "util/time.h"

namespace voxfra {

inline constexpr std::int64_t kFleetRatesStaleMs = 2000;

namespace fleet_key {
inline constexpr std::string_view rates = "rates";
inline constexpr std::string_view rate_prefix = "rate/";
}  // namespace fleet_key

struct FleetRateView {
  bool fleet = false;         // the daemon shares this store's rates
  UnixMillis updated_at = 0;
  std::uint32_t nodes = 1;
  std::uint32_t others = 0;   // the other nodes' count of the endpoint
};

// What the other nodes counted of an endpoint, all time.
struct FleetCounters {
  std::uint64_t requests = 0;
  UnixMillis last_used_at = 0;
  void add(const FleetCounters& other);  // sums requests, keeps the later last use
  // Spelled out: the module's glue is built as C++17.
  bool operator==(const FleetCounters& o) const { return requests == o.requests && last_used_at == o.last_used_at; }
};

// One rate/<slug> entry: what the daemon writes.
struct FleetEndpointFigures {
  std::uint32_t others = 0;  // the others' count of the last minute
  FleetCounters counters;
  bool operator==(const FleetEndpointFigures& o) const { return others == o.others && counters == o.counters; }
  bool operator!=(const FleetEndpointFigures& o) const { return !(*this == o); }
};

// This node's counters with the others' added: requests summed, the later
// last use. The outcome breakdown (accepted, rejected, ...) stays this node's.
EndpointStats with_fleet_counters(EndpointStats local, const FleetCounters& others);
// An endpoint's counters as the fleet's, from a read transaction: what
// endpoint list/show and the Management API show. On a store no daemon
// shares, this node's own. Throws StoreError as read_endpoint_stats does.
EndpointStats read_fleet_endpoint_stats(MDB_txn* txn, const Store& store, std::string_view slug);

// Never throws: a store that cannot say is treated as no fleet node.
FleetRateView read_fleet_rate(MDB_txn* txn, const Store& store, std::string_view slug);
// The per-minute limit this node checks its own count against.
std::uint32_t fleet_rate_share(const FleetRateView& view, std::uint32_t limit, UnixMillis now);
bool fleet_rates_stale(const FleetRateView& view, UnixMillis now);

// The daemon's writes, in its write transaction. Throw StoreError.
void write_fleet_rates(MDB_txn* txn, const Store& store, UnixMillis now, std::uint32_t nodes);
void write_fleet_rate(MDB_txn* txn, const Store& store, std::string_view slug, const FleetEndpointFigures& figures);

}  // namespace voxfra
