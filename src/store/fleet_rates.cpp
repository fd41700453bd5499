#include "store/fleet_rates.h"

#include <algorithm>
#include <string>

#include "store/bytes.h"
#include "store/fleet_state.h"
#include "store/lmdb_util.h"

namespace voxfra {

namespace {

std::string rate_key(std::string_view slug) {
  std::string key(fleet_key::rate_prefix);
  key += slug;
  return key;
}

constexpr std::size_t kRateOnly = 4;      // u32: the minute's count (a daemon before the counters)
constexpr std::size_t kWithCounters = 20;  // u32, u64 requests, i64 last use

}  // namespace

void FleetCounters::add(const FleetCounters& other) {
  requests += other.requests;
  last_used_at = std::max(last_used_at, other.last_used_at);
}

EndpointStats with_fleet_counters(EndpointStats local, const FleetCounters& others) {
  local.requests += others.requests;
  local.last_used_at = std::max(local.last_used_at, others.last_used_at);
  return local;
}

EndpointStats read_fleet_endpoint_stats(MDB_txn* txn, const Store& store, std::string_view slug) {
  EndpointStats local = read_endpoint_stats(txn, store, slug);
  auto value = fleet_get(txn, store, rate_key(slug));
  if (!value || value->size() != kWithCounters) return local;
  FleetCounters others;
  others.requests = bytes::get_u64le(value->data() + 4);
  others.last_used_at = static_cast<UnixMillis>(bytes::get_u64le(value->data() + 12));
  return with_fleet_counters(local, others);
}

FleetRateView read_fleet_rate(MDB_txn* txn, const Store& store, std::string_view slug) {
  FleetRateView v;
  if (store.fleet_dbi() == 0) return v;
  try {
    auto rates = fleet_get(txn, store, fleet_key::rates);
    if (!rates || rates->size() != 12) return v;
    v.fleet = true;
    v.updated_at = static_cast<UnixMillis>(bytes::get_u64le(rates->data()));
    v.nodes = std::max<std::uint32_t>(1, bytes::get_u32le(rates->data() + 8));
    auto others = fleet_get(txn, store, rate_key(slug));
    if (others && (others->size() == kRateOnly || others->size() == kWithCounters)) v.others = bytes::get_u32le(others->data());
  } catch (const std::exception&) {
    return FleetRateView{};
  }
  return v;
}

bool fleet_rates_stale(const FleetRateView& view, UnixMillis now) {
  return view.fleet && now - view.updated_at > kFleetRatesStaleMs;
}

std::uint32_t fleet_rate_share(const FleetRateView& view, std::uint32_t limit, UnixMillis now) {
  if (!view.fleet || limit == 0) return limit;
  if (fleet_rates_stale(view, now)) return std::max<std::uint32_t>(1, limit / view.nodes);
  return limit > view.others ? limit - view.others : 0;
}

void write_fleet_rates(MDB_txn* txn, const Store& store, UnixMillis now, std::uint32_t nodes) {
  char value[12];
  bytes::put_u64le(value, static_cast<std::uint64_t>(now));
  bytes::put_u32le(value + 8, nodes);
  fleet_put(txn, store, fleet_key::rates, std::string_view(value, sizeof value));
}

void write_fleet_rate(MDB_txn* txn, const Store& store, std::string_view slug, const FleetEndpointFigures& figures) {
  if (figures == FleetEndpointFigures{}) {
    fleet_del(txn, store, rate_key(slug));
    return;
  }
  char value[kWithCounters];
  bytes::put_u32le(value, figures.others);
  bytes::put_u64le(value + 4, figures.counters.requests);
  bytes::put_u64le(value + 12, static_cast<std::uint64_t>(figures.counters.last_used_at));
  fleet_put(txn, store, rate_key(slug), std::string_view(value, sizeof value));
}

}  // namespace voxfra
