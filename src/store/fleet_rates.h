// One rate limit for a fleet (docs/fleet.md): voxfra-fleet shares each
// endpoint's count of the last minute with the other nodes over core NATS
// and writes what the others counted into the `fleet` database; the
// module's rate check reads it in the read transaction that found the
// endpoint and lets this node have what the fleet has not used:
//   rates         i64 LE ms: when the daemon last refreshed them; u32 LE:
//                 the nodes it saw then, this one included
//   rate/<slug>   u32 LE: requests the other nodes counted in the last minute
// When `rates` is older than kFleetRatesStaleMs (NATS or the daemon lost),
// each node holds to the limit divided by the nodes last seen: it fails
// safe, not open. Nothing here knows of NATS.
#pragma once
#include <cstdint>
#include <string_view>

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

// Never throws: a store that cannot say is treated as no fleet node.
FleetRateView read_fleet_rate(MDB_txn* txn, const Store& store, std::string_view slug);
// The per-minute limit this node checks its own count against.
std::uint32_t fleet_rate_share(const FleetRateView& view, std::uint32_t limit, UnixMillis now);
bool fleet_rates_stale(const FleetRateView& view, UnixMillis now);

// The daemon's writes, in its write transaction. Throw StoreError.
void write_fleet_rates(MDB_txn* txn, const Store& store, UnixMillis now, std::uint32_t nodes);
void write_fleet_rate(MDB_txn* txn, const Store& store, std::string_view slug, std::uint32_t others);

}  // namespace voxfra
