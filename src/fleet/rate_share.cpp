#include "fleet/rate_share.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "fleet/daemon_log.h"
#include "fleet/fleet_names.h"
#include "fleet/nats_client.h"
#include "store/cursor.h"
#include "store/fleet_rates.h"
#include "store/lmdb_util.h"

namespace voxfra::fleet {

namespace {

constexpr auto kInterval = std::chrono::milliseconds(300);
// A whole report this often (else only what changed): a peer that missed a
// message asks for one at once, so this is the fallback, not the repair.
constexpr std::uint64_t kWholeEveryTicks = 100;  // 30 s
constexpr std::int64_t kAskEveryMs = 1000;       // a peer asked again for a whole report at most this often
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

bool idle(const ReportedEndpoint& e) { return e.minute == 0 && e.counters.requests == 0; }

// A change report keeps its lines of zeros: they remove an endpoint.
std::string encode_lines(const RateReport& report, bool keep_idle) {
  std::string out;
  for (const auto& [slug, e] : report) {
    if (!keep_idle && idle(e)) continue;
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

}  // namespace

std::string encode_rate_report(const RateReport& report) { return encode_lines(report, false); }

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

RateReport report_changes(const RateReport& before, const RateReport& after) {
  RateReport changes;
  for (const auto& [slug, e] : after) {
    auto it = before.find(slug);
    if (it == before.end() || it->second != e) changes[slug] = e;
  }
  for (const auto& [slug, e] : before) {
    if (!after.count(slug)) changes[slug] = ReportedEndpoint{};
  }
  return changes;
}

std::vector<std::string> encode_rate_report_parts(const RateReport& report, std::uint64_t tick,
                                                  std::size_t max_bytes, std::uint64_t base) {
  // Lines first, then as many to a part as fit beside its first line.
  const std::string lines = encode_lines(report, base != 0);
  const std::string tick_text = std::to_string(tick);
  const std::string base_text = base != 0 ? ' ' + std::to_string(base) : std::string();
  constexpr std::size_t kHeaderRoom = 96;  // "# TICK INDEX COUNT BASE\n", four u64 at most
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
    parts.push_back("# " + tick_text + ' ' + std::to_string(i) + ' ' + std::to_string(bodies.size()) + base_text +
                    '\n' + bodies[i]);
  }
  return parts;
}

std::optional<ReceivedReport> ReportAssembly::add(std::string_view message) {
  if (!message.starts_with("# ")) return ReceivedReport{0, 0, parse_rate_report(message)};
  std::string_view header = message.substr(2, message.find('\n') - 2);
  const std::uint64_t tick = parse_u64(next_field(header));
  const std::uint64_t index = parse_u64(next_field(header));
  const std::uint64_t count = parse_u64(next_field(header));
  const std::uint64_t base = header.empty() ? 0 : parse_u64(next_field(header));
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
  ReceivedReport whole{tick, base, {}};
  whole.endpoints.swap(partial_);
  return whole;
}

bool take_report(PeerReport& peer, ReceivedReport report) {
  if (report.base == 0) {
    peer.endpoints = std::move(report.endpoints);
    peer.tick = report.tick;
    return true;
  }
  if (peer.tick == 0 || peer.tick != report.base) return false;
  for (auto& [slug, e] : report.endpoints) {
    if (idle(e)) {
      peer.endpoints.erase(slug);
    } else {
      peer.endpoints[slug] = e;
    }
  }
  peer.tick = report.tick;
  return true;
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
  // A token: a node named with a '.' would otherwise publish on a subject
  // of more tokens than its peers listen to.
  token_ = subject_token(node_);
  whole_subject_ = std::string(kSubjectPrefix) + token_;
  changes_subject_ = std::string(kSubjectPrefix) + "changes." + token_;
  // t/34 only: VOXFRA_TEST_RATE_REPORT_BYTES=N sends reports in parts of N
  // bytes, so that a few endpoints take the path of many thousands.
  if (const char* bytes = std::getenv("VOXFRA_TEST_RATE_REPORT_BYTES")) part_bytes_ = std::strtoull(bytes, nullptr, 10);
  const std::string all = std::string(kSubjectPrefix) + ">";
  check(natsConnection_Subscribe(&sub_, nats_.get(), all.c_str(), &RateShare::on_report, this),
        "cannot subscribe to " + all);
}

RateShare::~RateShare() {
  if (sub_ != nullptr) {
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }
}

// voxfra.rates.<node>: a whole report; voxfra.rates.changes.<node>: what
// changed; voxfra.rates.whole.<node>: a peer asks <node> for a whole report.
void RateShare::on_report(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* self = static_cast<RateShare*>(closure);
  std::string_view subject = natsMsg_GetSubject(msg);
  std::string_view node = subject.substr(std::min(subject.size(), kSubjectPrefix.size()));
  std::string_view kind;
  if (std::size_t dot = node.find('.'); dot != std::string_view::npos) {
    kind = node.substr(0, dot);
    node = node.substr(dot + 1);
  }
  bool ask = false;
  if (kind == "whole") {
    if (node == self->token_) self->whole_asked_ = true;
  } else if (!node.empty() && node != self->token_ && (kind.empty() || kind == "changes")) {
    const std::string_view data(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    const UnixMillis now = now_millis();
    std::lock_guard lock(self->mutex_);
    std::optional<ReceivedReport> report = self->assembling_[std::string(node)].add(data);
    // Changes name the report they change; without one they are no report.
    if (report && (kind.empty() || report->base != 0)) {
      PeerReport& peer = self->peers_[std::string(node)];
      peer.heard_at = now;
      if (!take_report(peer, std::move(*report)) && now - peer.asked_at >= kAskEveryMs) {
        peer.asked_at = now;
        ask = true;
      }
    }
  }
  if (ask) self->ask_for_whole(std::string(node));  // `node` lives in the message
  natsMsg_Destroy(msg);
}

void RateShare::ask_for_whole(const std::string& peer) {
  const std::string subject = std::string(kSubjectPrefix) + "whole." + peer;
  natsConnection_Publish(nats_.get(), subject.c_str(), nullptr, 0);  // lost: asked again a second later
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
    ReportedEndpoint e{it == minute.end() ? 0 : it->second, counters};
    if (!idle(e)) report.emplace(slug, e);
  }
  const std::int64_t server_max = natsConnection_GetMaxPayload(nats_.get());
  std::size_t max_payload = server_max > 0 ? static_cast<std::size_t>(server_max) : std::size_t{1} << 20;
  if (part_bytes_ > 0) max_payload = std::min<std::size_t>(max_payload, part_bytes_);
  // What changed since the last report (most endpoints, most of the time,
  // nothing), unless a whole one is due or a peer asked for it.
  const bool asked = whole_asked_.exchange(false);
  const bool whole = asked || sent_tick_ == 0 || tick_ + 1 - whole_tick_ >= kWholeEveryTicks;
  const std::uint64_t base = whole ? 0 : sent_tick_;
  const std::string& subject = whole ? whole_subject_ : changes_subject_;
  natsStatus sent = NATS_OK;
  ++tick_;
  for (const std::string& part :
       encode_rate_report_parts(whole ? report : report_changes(sent_, report), tick_, max_payload, base)) {
    sent = natsConnection_Publish(nats_.get(), subject.c_str(), part.data(), static_cast<int>(part.size()));
    if (sent != NATS_OK) break;
  }
  if (sent == NATS_OK) {
    sent_ = std::move(report);
    sent_tick_ = tick_;
    if (whole) whole_tick_ = tick_;
  } else {
    sent_tick_ = 0;  // a part may be lost: the next report goes whole
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
