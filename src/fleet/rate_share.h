// One rate limit for the fleet (docs/fleet.md): every few hundred
// milliseconds this node's per-endpoint counts of the last minute (from the
// counters NGINX's workers flush into `stats` once a second) go to the other
// nodes over core NATS, on voxfra.rates.<node>; what the others reported is
// summed per endpoint and written into the store's `fleet` database
// (store/fleet_rates.h), where the module's rate check adds it. A peer not
// heard from for 2 s no longer counts; while NATS is lost nothing is written,
// and the module falls back to the limit divided by the nodes last seen.
// The same report carries each endpoint's all-time requests and last use,
// so that every node shows the fleet's counters.
#pragma once
#include <nats/nats.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/fleet_rates.h"
#include "store/store.h"
#include "util/time.h"

namespace voxfra::fleet {

class DaemonLog;
class NatsConnection;

// One endpoint in a node's report: its count of the last minute, and its
// counters since the node's store began.
struct ReportedEndpoint {
  std::uint64_t minute = 0;
  FleetCounters counters;
};
using RateReport = std::map<std::string, ReportedEndpoint, std::less<>>;
struct PeerReport {
  UnixMillis heard_at = 0;
  RateReport endpoints;
};
using PeerReports = std::map<std::string, PeerReport, std::less<>>;
using FleetFigures = std::map<std::string, FleetEndpointFigures, std::less<>>;

// "slug minute requests last-used-ms\n" per endpoint; a line of two fields
// (a daemon before the counters) carries the minute's count only.
std::string encode_rate_report(const RateReport& report);
RateReport parse_rate_report(std::string_view data);
// The report as messages of at most `max_bytes` each (the server's
// max_payload: 1 MB by default, about 17,000 endpoints), each opening with
// "# TICK INDEX COUNT\n": which report it is part of, and where.
std::vector<std::string> encode_rate_report_parts(const RateReport& report, std::uint64_t tick,
                                                  std::size_t max_bytes);

// A peer's report put back together from its parts, in the order the peer
// sent them (NATS keeps one publisher's order). A part of a newer report
// drops what an older one left incomplete; a message without the first
// line is a whole report.
class ReportAssembly {
 public:
  // The whole report once `message` completed it.
  std::optional<RateReport> add(std::string_view message);

 private:
  std::uint64_t tick_ = 0;
  std::uint64_t next_index_ = 0;
  RateReport partial_;
};
// What the other nodes add up to, per endpoint: the minute's counts of the
// peers heard from within 2 s (their number, this node included, in
// `nodes`), and the counters of every peer's last report, quiet or not: a
// node's counters only grow, and its last report is the most it counted.
FleetFigures sum_peer_reports(const PeerReports& peers, UnixMillis now, std::uint32_t& nodes);

class RateShare {
 public:
  RateShare(Store& store, NatsConnection& nats, DaemonLog& log, std::string node);
  ~RateShare();
  RateShare(const RateShare&) = delete;
  RateShare& operator=(const RateShare&) = delete;

  void run(const std::atomic<bool>& stop);

 private:
  using Counts = std::map<std::string, std::uint64_t, std::less<>>;
  struct Totals {
    Counts passed;  // what the rate check let through
    std::map<std::string, FleetCounters, std::less<>> counters;
  };
  static void on_report(natsConnection*, natsSubscription*, natsMsg* msg, void* self);
  Totals totals();  // this node's running totals, from `stats`
  Counts last_minute(UnixMillis now, Counts passed);
  void tick(UnixMillis now);

  Store& store_;
  NatsConnection& nats_;
  DaemonLog& log_;
  std::string node_;
  std::string subject_;
  natsSubscription* sub_ = nullptr;
  std::deque<std::pair<UnixMillis, Counts>> samples_;  // running totals, a minute of them
  std::mutex mutex_;                                    // peers_ (the callback runs on libnats' thread)
  PeerReports peers_;
  std::map<std::string, ReportAssembly, std::less<>> assembling_;  // by peer, under mutex_
  std::uint64_t tick_ = 0;        // this node's reports, numbered
  std::size_t part_bytes_ = 0;    // a smaller part than max_payload (tests)
  bool publish_failed_ = false;   // logged once until a publish works again
  std::uint32_t nodes_seen_ = 1;
  FleetFigures written_;  // rate/<slug> entries in the store
};

}  // namespace voxfra::fleet
