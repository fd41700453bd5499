#include "fleet/rate_share.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
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
    if (slug.empty() || slug.front() == '#' || line.empty()) continue;
    ReportedEndpoint& e = report[std::string(slug)];
    e.minute = parse_u64(next_field(line));
    e.counters.requests = parse_u64(next_field(line));
    e.counters.last_used_at = static_cast<UnixMillis>(parse_u64(next_field(line)));
  }
  return report;
}

std::vector<std::string> encode_rate_report_parts(const RateReport& report, std::uint64_t tick,
                                                  std::size_t max_bytes) {
  // Lines first, then as many to a part as fit beside its first line.
  const std::string lines = encode_rate_report(report);
  const std::string tick_text = std::to_string(tick);
  constexpr std::size_t kHeaderRoom = 64;  // "# TICK INDEX COUNT\n", three u64 at most
  const std::size_t room = max_bytes > kHeaderRoom * 2 ? max_bytes - kHeaderRoom : kHeaderRoom;
  std::vector<std::string> bodies(1);
  for (std::size_t at = 0; at < lines.size();) {
    const std::size_t end = lines.find('\n', at) + 1;  // every line ends with one
    if (!bodies.back().empty() && bodies.back().size() + (end - at) > room) bodies.emplace_back();
    bodies.back().append(lines, at, end - at);
    at = end;
  }
  std::vector<std::string> parts;
  parts.reserve(bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    parts.push_back("# " + tick_text + ' ' + std::to_string(i) + ' ' + std::to_string(bodies.size()) + '\n' +
                    bodies[i]);
  }
  return parts;
}

std::optional<RateReport> ReportAssembly::add(std::string_view message) {
  if (!message.starts_with("# ")) return parse_rate_report(message);
  std::string_view header = message.substr(2, message.find('\n') - 2);
  const std::uint64_t tick = parse_u64(next_field(header));
  const std::uint64_t index = parse_u64(next_field(header));
  const std::uint64_t count = parse_u64(next_field(header));
  if (tick != tick_ || index == 0) {
    tick_ = tick;
    next_index_ = 0;
    partial_.clear();
  }
  // A part lost on the way (core NATS delivers at most once) leaves this
  // report incomplete: the peer's previous one stands until the next.
  if (index != next_index_ || count == 0) return std::nullopt;
  for (auto& [slug, e] : parse_rate_report(message)) partial_[slug] = e;
  if (++next_index_ < count) return std::nullopt;
  RateReport whole;
  whole.swap(partial_);
  return whole;
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
  // t/34 only: VOXFRA_TEST_RATE_REPORT_BYTES=N sends reports in parts of N
  // bytes, so that a few endpoints take the path of many thousands.
  if (const char* bytes = std::getenv("VOXFRA_TEST_RATE_REPORT_BYTES")) part_bytes_ = std::strtoull(bytes, nullptr, 10);
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
    const std::string_view data(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    std::lock_guard lock(self->mutex_);
    if (std::optional<RateReport> report = self->assembling_[std::string(node)].add(data)) {
      self->peers_[std::string(node)] = PeerReport{now_millis(), std::move(*report)};
    }
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
  const std::int64_t server_max = natsConnection_GetMaxPayload(nats_.get());
  std::size_t max_payload = server_max > 0 ? static_cast<std::size_t>(server_max) : std::size_t{1} << 20;
  if (part_bytes_ > 0) max_payload = std::min<std::size_t>(max_payload, part_bytes_);
  natsStatus sent = NATS_OK;
  for (const std::string& part : encode_rate_report_parts(report, ++tick_, max_payload)) {
    sent = natsConnection_Publish(nats_.get(), subject_.c_str(), part.data(), static_cast<int>(part.size()));
    if (sent != NATS_OK) break;
  }
  if ((sent != NATS_OK) != publish_failed_) {
    publish_failed_ = sent != NATS_OK;
    if (publish_failed_) {
      log_.warn(std::string("rate limits: cannot send this node's counts: ") + natsStatus_GetText(sent));
    } else {
      log_.info("rate limits: this node's counts are sent again");
    }
  }

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
