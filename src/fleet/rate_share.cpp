#include "fleet/rate_share.h"

#include <chrono>
#include <thread>

#include "fleet/daemon_log.h"
#include "fleet/nats_client.h"
#include "store/cursor.h"
#include "store/fleet_rates.h"
#include "store/lmdb_util.h"

namespace voxfra::fleet {

namespace {

constexpr auto kInterval = std::chrono::milliseconds(300);
constexpr std::int64_t kWindowMs = 60'000;
constexpr std::int64_t kPeerSilentMs = 2000;  // a peer not heard from this long no longer counts
constexpr std::string_view kSubjectPrefix = "voxfra.rates.";

std::uint64_t parse_u64(std::string_view digits) { return std::strtoull(std::string(digits).c_str(), nullptr, 10); }

// The next space-separated field of a line.
std::string_view next_field(std::string_view& line) {
  std::size_t space = line.find(' ');
  std::string_view field = line.substr(0, space);
  line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  return field;
}

}  // namespace

std::string encode_rate_report(const RateReport& report) {
  std::string out;
  for (const auto& [slug, e] : report) {
    if (e.minute == 0 && e.counters.requests == 0) continue;
    out += slug;
    out += ' ';
    out += std::to_string(e.minute);
    out += ' ';
    out += std::to_string(e.counters.requests);
    out += ' ';
    out += std::to_string(e.counters.last_used_at);
    out += '\n';
  }
  return out;
}

RateReport parse_rate_report(std::string_view data) {
  RateReport report;
  while (!data.empty()) {
    std::size_t end = data.find('\n');
    std::string_view line = data.substr(0, end);
    data = end == std::string_view::npos ? std::string_view() : data.substr(end + 1);
    std::string_view slug = next_field(line);
    if (slug.empty() || line.empty()) continue;
    ReportedEndpoint& e = report[std::string(slug)];
    e.minute = parse_u64(next_field(line));
    e.counters.requests = parse_u64(next_field(line));
    e.counters.last_used_at = static_cast<UnixMillis>(parse_u64(next_field(line)));
  }
  return report;
}

FleetFigures sum_peer_reports(const PeerReports& peers, UnixMillis now, std::uint32_t& nodes) {
  FleetFigures out;
  nodes = 1;
  for (const auto& [name, peer] : peers) {
    const bool heard = now - peer.heard_at <= kPeerSilentMs;
    if (heard) ++nodes;
    for (const auto& [slug, e] : peer.endpoints) {
      FleetEndpointFigures& f = out[slug];
      if (heard) f.others = static_cast<std::uint32_t>(std::min<std::uint64_t>(f.others + e.minute, UINT32_MAX));
      f.counters.add(e.counters);
    }
  }
  return out;
}

RateShare::RateShare(Store& store, NatsConnection& nats, DaemonLog& log, std::string node)
    : store_(store), nats_(nats), log_(log), node_(std::move(node)) {
  subject_ = std::string(kSubjectPrefix) + node_;
  const std::string all = std::string(kSubjectPrefix) + "*";
  check(natsConnection_Subscribe(&sub_, nats_.get(), all.c_str(), &RateShare::on_report, this),
        "cannot subscribe to " + all);
}

RateShare::~RateShare() {
  if (sub_ != nullptr) {
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }
}

void RateShare::on_report(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* self = static_cast<RateShare*>(closure);
  std::string_view subject = natsMsg_GetSubject(msg);
  std::string_view node = subject.substr(std::min(subject.size(), kSubjectPrefix.size()));
  if (!node.empty() && node != self->node_) {
    PeerReport peer;
    peer.heard_at = now_millis();
    peer.endpoints = parse_rate_report(
        std::string_view(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))));
    std::lock_guard lock(self->mutex_);
    self->peers_[std::string(node)] = std::move(peer);
  }
  natsMsg_Destroy(msg);
}

RateShare::Totals RateShare::totals() {
  Totals out;
  Txn txn(store_, false);
  Cursor c(txn.get(), store_.stats_dbi());
  for (bool more = c.first(); more; more = c.next()) {
    EndpointStats s;
    if (!decode_stats(c.value(), s)) continue;
    // What the rate check let through: a refusal spends nothing.
    const std::uint64_t refused = s.rejected_by[static_cast<std::size_t>(Reason::rate_limited)];
    std::string slug(c.key());
    out.passed[slug] = s.requests > refused ? s.requests - refused : 0;
    out.counters[std::move(slug)] = FleetCounters{s.requests, s.last_used_at};
  }
  return out;
}

RateShare::Counts RateShare::last_minute(UnixMillis now, Counts passed) {
  samples_.emplace_back(now, std::move(passed));
  // Keep the newest sample a minute old or older as the baseline.
  while (samples_.size() > 2 && samples_[1].first <= now - kWindowMs) samples_.pop_front();
  const Counts& base = samples_.front().second;
  Counts out;
  for (const auto& [slug, total] : samples_.back().second) {
    auto it = base.find(slug);
    const std::uint64_t before = samples_.size() > 1 && it != base.end() ? it->second : 0;
    // The first sample has no baseline: what it holds may be a minute old or a day.
    if (samples_.size() == 1) continue;
    out[slug] = total > before ? total - before : 0;
  }
  return out;
}

void RateShare::tick(UnixMillis now) {
  Totals mine = totals();
  const Counts minute = last_minute(now, std::move(mine.passed));
  RateReport report;
  for (const auto& [slug, counters] : mine.counters) {
    auto it = minute.find(slug);
    report[slug] = ReportedEndpoint{it == minute.end() ? 0 : it->second, counters};
  }
  const std::string data = encode_rate_report(report);
  natsConnection_Publish(nats_.get(), subject_.c_str(), data.data(), static_cast<int>(data.size()));

  std::uint32_t nodes = 1;
  FleetFigures others;
  {
    std::lock_guard lock(mutex_);
    others = sum_peer_reports(peers_, now, nodes);
  }
  if (nodes != nodes_seen_) {
    log_.info("rate limits: shared by " + std::to_string(nodes) + " node" + (nodes == 1 ? "" : "s"));
    nodes_seen_ = nodes;
  }
  MDB_txn* txn = nullptr;
  lmdb::check(mdb_txn_begin(store_.env(), nullptr, 0, &txn), "cannot begin a write transaction");
  lmdb::AbortGuard guard(txn);
  write_fleet_rates(txn, store_, now, nodes);
  for (const auto& [slug, figures] : others) {
    auto it = written_.find(slug);
    if (it == written_.end() || it->second != figures) write_fleet_rate(txn, store_, slug, figures);
  }
  for (const auto& [slug, figures] : written_) {
    if (!others.count(slug)) write_fleet_rate(txn, store_, slug, FleetEndpointFigures{});
  }
  lmdb::check(guard.commit(), "cannot save the fleet's rates");
  written_ = std::move(others);
}

void RateShare::run(const std::atomic<bool>& stop) {
  bool lost = false;
  while (!stop) {
    auto next = std::chrono::steady_clock::now() + kInterval;
    const UnixMillis now = now_millis();
    if (!nats_.connected()) {
      // Nothing is written: the module sees the rates go stale and holds
      // each node to its share.
      if (!lost) {
        log_.warn("rate limits: NATS lost; each node holds to the limit / " + std::to_string(nodes_seen_) +
                  " (the nodes last seen)");
        lost = true;
      }
      last_minute(now, totals().passed);  // keep the samples going
    } else {
      if (lost) log_.info("rate limits: shared again");
      lost = false;
      try {
        tick(now);
      } catch (const std::exception& e) {
        log_.error(std::string("rate limits: ") + e.what());
      }
    }
    while (!stop && std::chrono::steady_clock::now() < next) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace voxfra::fleet
