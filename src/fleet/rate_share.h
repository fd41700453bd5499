// One rate limit for the fleet (docs/fleet.md): every few hundred
// milliseconds this node's per-endpoint counts of the last minute (from the
// counters NGINX's workers flush into `stats` once a second) go to the other
// nodes over core NATS: what changed on voxfra.rates.changes.<node>, the
// whole report now and then (and when a peer asks) on voxfra.rates.<node>.
// What the others reported is
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
  bool operator==(const ReportedEndpoint&) const = default;
};
using RateReport = std::map<std::string, ReportedEndpoint, std::less<>>;
// What this node holds of a peer: its figures as of its report `tick` (0:
// no whole report yet), and when it was last heard from.
struct PeerReport {
  UnixMillis heard_at = 0;
  RateReport endpoints;
  std::uint64_t tick = 0;
  UnixMillis asked_at = 0;  // when this node last asked it for a whole report
};
using PeerReports = std::map<std::string, PeerReport, std::less<>>;
using FleetFigures = std::map<std::string, FleetEndpointFigures, std::less<>>;

// "slug minute requests last-used-ms\n" per endpoint with something to say
// (never used, nothing in the minute: left out); a line of two fields (a
// daemon before the counters) carries the minute's count only.
std::string encode_rate_report(const RateReport& report);
RateReport parse_rate_report(std::string_view data);
// What changed from `before` to `after`, as a report: each endpoint new or
// different, and a line of zeros for each one `after` no longer has.
RateReport report_changes(const RateReport& before, const RateReport& after);
// The report as messages of at most `max_bytes` each (the server's
// max_payload: 1 MB by default, about 17,000 endpoints), each opening with
// "# TICK INDEX COUNT[ BASE]\n": which report it is part of, and where; a
// report of changes names the tick of the one it changes (BASE), and keeps
// its lines of zeros.
std::vector<std::string> encode_rate_report_parts(const RateReport& report, std::uint64_t tick,
                                                  std::size_t max_bytes, std::uint64_t base = 0);

// A report as it came: whole (base 0) or the changes since report `base`.
struct ReceivedReport {
  std::uint64_t tick = 0;
  std::uint64_t base = 0;
  RateReport endpoints;
};

// A peer's report put back together from its parts, in the order the peer
// sent them (NATS keeps one publisher's order). A part of a newer report
// drops what an older one left incomplete; a message without the first
// line is a whole report.
class ReportAssembly {
 public:
  // The report once `message` completed it.
  std::optional<ReceivedReport> add(std::string_view message);

 private:
  std::uint64_t tick_ = 0;
  std::uint64_t next_index_ = 0;
  RateReport partial_;
};

// Takes a peer's report into what this node holds of it: a whole report
// replaces it, changes apply to the report they were made against. False
// when they were made against another (a message lost on the way, or a
// daemon that started since): the peer's figures stay as they were until
// its next whole report.
bool take_report(PeerReport& peer, ReceivedReport report);
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
  void ask_for_whole(const std::string& peer);
  Totals totals();  // this node's running totals, from `stats`
  Counts last_minute(UnixMillis now, Counts passed);
  void tick(UnixMillis now);

  Store& store_;
  NatsConnection& nats_;
  DaemonLog& log_;
  std::string node_;
  std::string token_;            // the node's name as a subject token
  std::string whole_subject_;    // voxfra.rates.<token>
  std::string changes_subject_;  // voxfra.rates.changes.<token>
  natsSubscription* sub_ = nullptr;
  std::deque<std::pair<UnixMillis, Counts>> samples_;  // running totals, a minute of them
  std::mutex mutex_;                                    // peers_ (the callback runs on libnats' thread)
  PeerReports peers_;
  std::map<std::string, ReportAssembly, std::less<>> assembling_;  // by peer, under mutex_
  std::uint64_t tick_ = 0;        // this node's reports, numbered
  RateReport sent_;               // what the peers hold of this node: the report of sent_tick_
  std::uint64_t sent_tick_ = 0;   // 0: the next report goes whole
  std::uint64_t whole_tick_ = 0;  // the last whole report
  std::atomic<bool> whole_asked_{false};
  std::size_t part_bytes_ = 0;    // a smaller part than max_payload (tests)
  bool publish_failed_ = false;   // logged once until a publish works again
  std::uint32_t nodes_seen_ = 1;
  FleetFigures written_;  // rate/<slug> entries in the store
};

}  // namespace voxfra::fleet
