// Counters of the endpoints one worker has served since its last flush, for
// the requests the zone's counter table had no room for (the zone is where
// counts normally go, so that a worker's death loses none). The glue takes
// them with the zone's counts at the once-a-second flush; a pool thread
// writes them to LMDB.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/endpoint_stats.h"
#include "base/outcome.h"
#include "util/time.h"

namespace voxfra {

class StatsAccumulator {
 public:
  StatsAccumulator();
  ~StatsAccumulator();

  void count(std::string_view slug, Outcome outcome, Reason reason, UnixMillis at);
  bool empty() const;
  // Moves the deltas out (into `out`, cleared first) and starts afresh.
  void take(std::vector<std::pair<std::string, EndpointStats>>& out);
  // Adds deltas back that could not be flushed (a full map, an I/O error),
  // so that the next flush carries them instead of losing them.
  void give_back(const std::vector<std::pair<std::string, EndpointStats>>& deltas);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace voxfra
