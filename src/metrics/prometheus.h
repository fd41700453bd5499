// The `voxfra_metrics` page: Prometheus text exposition format 0.0.4, with
// HELP and TYPE lines, base units, and every labelled series present (zeros
// too), so that a rate() sees a series from its first scrape.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/counters.h"
#include "store/fleet_state.h"

namespace voxfra::metrics {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4";

struct ZoneUse {
  std::string_view zone;  // the voxfra_zone's name
  std::uint64_t used_bytes = 0;
  std::uint64_t size_bytes = 0;
};

struct MapUse {
  std::uint64_t used_bytes = 0;
  std::uint64_t size_bytes = 0;
};

// durability=fsync's commits, by what made each durable (one sync a commit,
// store/commit_coverage.h).
struct CommitCovers {
  std::uint64_t by_next_commit = 0;
  std::uint64_t by_own_sync = 0;
};

struct Page {
  Snapshot counters;
  std::optional<CommitCovers> covers;  // absent with durability=os
  std::optional<MapUse> map;  // absent when this worker has no store open
  std::vector<ZoneUse> zones;
  std::optional<FleetStatus> fleet;  // a fleet node's figures (docs/fleet.md)
};

std::string write_prometheus(const Page& page);

}  // namespace voxfra::metrics
