// One rate limit for the fleet (docs/fleet.md): every few hundred
// milliseconds this node's per-endpoint counts of the last minute (from the
// counters NGINX's workers flush into `stats` once a second) go to the other
// nodes over core NATS, on voxfra.rates.<node>; what the others reported is
// summed per endpoint and written into the store's `fleet` database
// (store/fleet_rates.h), where the module's rate check adds it. A peer not
// heard from for 2 s no longer counts; while NATS is lost nothing is written,
// and the module falls back to the limit divided by the nodes last seen.
#pragma once
#include <nats/nats.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "store/store.h"
#include "util/time.h"

namespace voxfra::fleet {

class DaemonLog;
class NatsConnection;

class RateShare {
 public:
  RateShare(Store& store, NatsConnection& nats, DaemonLog& log, std::string node);
  ~RateShare();
  RateShare(const RateShare&) = delete;
  RateShare& operator=(const RateShare&) = delete;

  void run(const std::atomic<bool>& stop);

 private:
  using Counts = std::map<std::string, std::uint64_t, std::less<>>;
  struct Peer {
    UnixMillis heard_at = 0;
    Counts counts;
  };
  static void on_report(natsConnection*, natsSubscription*, natsMsg* msg, void* self);
  Counts counters();             // this node's running totals, from `stats`
  Counts last_minute(UnixMillis now);
  void tick(UnixMillis now);

  Store& store_;
  NatsConnection& nats_;
  DaemonLog& log_;
  std::string node_;
  std::string subject_;
  natsSubscription* sub_ = nullptr;
  std::deque<std::pair<UnixMillis, Counts>> samples_;  // running totals, a minute of them
  std::mutex mutex_;                                    // peers_ (the callback runs on libnats' thread)
  std::map<std::string, Peer, std::less<>> peers_;
  std::uint32_t nodes_seen_ = 1;
  std::map<std::string, std::uint32_t, std::less<>> written_;  // rate/<slug> entries in the store
};

}  // namespace voxfra::fleet
