// voxfra-fleet: one per node of a fleet (docs/fleet.md). Ships the node's
// calls to the VOXFRA_CALLS stream from a cursor kept in the node's store,
// applies the stream's calls of other nodes into the store (the replica),
// mirrors the voxfra_endpoints bucket into the node's `endpoints`, and makes
// the changes the node's Management API queues in the fleet.
// NGINX never talks to NATS: this process does, beside it, writing the
// node's LMDB the way the CLI does (short transactions of its own, none
// held across a network wait).
//   voxfra-fleet --db DIR --node NAME --nats URL[,URL...]
//                [--nats-user U --nats-password-file F] [--nats-ca FILE]
//                [--batch N] [--ack-wait MS] [--reconcile-interval D] [--no-replica]
// Exit status: 0 stopped (SIGTERM, SIGINT), 1 failed, 2 called wrongly.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "fleet/api_relay.h"
#include "fleet/daemon_log.h"
#include "fleet/fleet_names.h"
#include "fleet/jetstream_setup.h"
#include "fleet/mirror.h"
#include "fleet/nats_args.h"
#include "fleet/nats_client.h"
#include "fleet/rate_share.h"
#include "fleet/replica.h"
#include "fleet/shipper.h"
#include "store/fleet_state.h"
#include "store/lmdb_util.h"
#include "util/args.h"
#include "util/command_errors.h"
#include "util/version.h"

namespace voxfra::fleet {

namespace {

constexpr std::string_view kUsage =
    "usage: voxfra-fleet --db DIR --node NAME --nats URL[,URL...] [--nats-user U --nats-password-file F]\n"
    "                    [--nats-ca FILE] [--batch N] [--ack-wait MS] [--reconcile-interval 10s] [--no-replica]\n";
// --help: the usage and what each option means (its man page, voxfra-fleet(8),
// is made from this text by scripts/man-page).
constexpr std::string_view kOptionHelp =
    "\nShips this node's calls to the VOXFRA_CALLS stream of a NATS JetStream cluster, from a cursor\n"
    "kept in the node's store, applies the other nodes' calls from the stream into the store, and\n"
    "mirrors the voxfra_endpoints bucket into the node's endpoints, and makes the changes the node's\n"
    "Management API queues in that bucket, until SIGTERM or SIGINT. Run it as the store's owner (NGINX's workers' user).\n"
    "\nOptions:\n"
    "  --db DIR                  the node's store (the directory NGINX's voxfra_store names)\n"
    "  --node NAME               this node's name in the fleet (letters, digits, '.', '_', '-'; at most 64)\n"
    "  --nats URL[,URL...]       the NATS servers, tried in turn\n"
    "  --nats-user U             the NATS user, with --nats-password-file F, a file holding its password\n"
    "  --nats-ca FILE            the certificate authority of the servers' TLS certificates\n"
    "  --batch N                 records read from the store per batch (default 512)\n"
    "  --ack-wait MS             how long to wait for the stream's acknowledgements (default 5000)\n"
    "  --reconcile-interval D    how often the endpoints mirror takes a full snapshot (default 10s)\n"
    "  --no-replica              do not apply the stream into the store: the node then holds, lists and\n"
    "                            answers duplicate for its own calls only\n"
    "  -h, --help                show this help\n"
    "  --version                 print the release\n"
    "\nExit status: 0 stopped (SIGTERM, SIGINT), 1 failed, 2 called wrongly.\n";
constexpr std::size_t kDefaultBatch = 512;
constexpr std::int64_t kDefaultAckWaitMs = 5000;
constexpr auto kIdlePoll = std::chrono::milliseconds(50);
constexpr auto kGatherPause = std::chrono::milliseconds(100);
constexpr auto kMinBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop = true; }

struct Settings {
  std::string action;  // "help" or "version" to print, else run
  std::string db;
  std::string node;
  NatsSettings nats;
  std::size_t batch = kDefaultBatch;
  std::int64_t ack_wait_ms = kDefaultAckWaitMs;
  // A full snapshot of the endpoints bucket this often (a stalled watcher
  // is replaced within it).
  std::int64_t reconcile_interval_ms = 10000;
  bool replica = true;  // apply the stream's calls into the store
};

bool valid_node_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

std::int64_t positive_number(const cli::Args& args, std::string_view name, std::int64_t fallback, std::int64_t max) {
  auto v = args.value(name);
  if (!v) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || n <= 0 || n > max) {
    throw cli::UsageError("--" + std::string(name) + " must be a number from 1 to " + std::to_string(max));
  }
  return n;
}

Settings read_settings(int argc, char** argv) {
  cli::Args args = cli::parse_args(argc, argv);
  if (args.has("help") || args.has("version")) {
    Settings print;
    print.action = args.has("help") ? "help" : "version";
    return print;
  }
  cli::allow_only(args, "voxfra-fleet",
                  "node batch ack-wait reconcile-interval nats nats-user nats-password-file nats-ca no-replica");
  if (!args.words.empty()) throw cli::UsageError("voxfra-fleet takes no argument \"" + args.words.front() + "\"");
  Settings s;
  if (auto db = args.value("db")) s.db = *db;
  if (s.db.empty()) throw cli::UsageError("--db DIR is missing");
  if (auto node = args.value("node")) s.node = *node;
  if (!valid_node_name(s.node)) {
    throw cli::UsageError("--node NAME: 1-64 characters of letters, digits, '.', '_' and '-'");
  }
  s.nats = nats_settings(args, "voxfra-fleet " + s.node);
  s.batch = static_cast<std::size_t>(positive_number(args, "batch", kDefaultBatch, 65536));
  s.ack_wait_ms = positive_number(args, "ack-wait", kDefaultAckWaitMs, 600000);
  s.replica = !args.has("no-replica");
  if (auto v = args.value("reconcile-interval")) {
    auto seconds = parse_duration_seconds(*v);
    if (!seconds || *seconds <= 0 || *seconds > 3600) {
      throw cli::UsageError("--reconcile-interval must be a duration from 1s to 1h");
    }
    s.reconcile_interval_ms = *seconds * 1000;
  }
  return s;
}

// Sleeps up to `d`, waking early when asked to stop.
void pause_for(std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!g_stop && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(d, std::chrono::milliseconds(50)));
  }
}

// One short write transaction on the node's fleet state.
template <typename Fn>
void write_state(Store& store, Fn&& fn) {
  MDB_txn* txn = nullptr;
  lmdb::check(mdb_txn_begin(store.env(), nullptr, 0, &txn), "cannot begin a write transaction");
  lmdb::AbortGuard guard(txn);
  fn(txn);
  lmdb::check(guard.commit(), "cannot save the fleet state");
}

class Daemon {
 public:
  explicit Daemon(Settings s) : s_(std::move(s)), log_(s_.node) {}

  int run() {
    StoreOptions so;
    so.path = s_.db;
    store_ = std::make_unique<Store>(so);
    claim_store();
    log_.info("starting: store " + s_.db + ", " + std::to_string(s_.nats.urls.size()) + " NATS server" +
              (s_.nats.urls.size() == 1 ? "" : "s") + (s_.nats.ca_file.empty() ? "" : ", TLS") +
              (s_.nats.user.empty() ? "" : ", user " + s_.nats.user));
    nats_ = std::make_unique<NatsConnection>(s_.nats, true, [this](LinkEvent e, const std::string& detail) {
      link_.store(e);
      link_changed_ = true;
      if (e == LinkEvent::connected || e == LinkEvent::resumed) ++link_generation_;
      std::string line = std::string(link_event_name(e)) + (detail.empty() ? "" : " (" + detail + ")");
      if (e == LinkEvent::closed && !g_stop) log_.error(line); else log_.info(line);
    });
    EndpointMirror mirror(*store_, *nats_, log_, s_.reconcile_interval_ms);
    std::thread mirroring([&] {
      try {
        mirror.run(g_stop, link_generation_);
      } catch (const std::exception& e) {
        log_.error(std::string("endpoints mirror stopped: ") + e.what());
      }
    });
    std::thread relaying([&] {
      try {
        ApiChangeRelay(*store_, *nats_, log_).run(g_stop);
      } catch (const std::exception& e) {
        log_.error(std::string("API changes stopped: ") + e.what());
      }
    });
    std::thread replicating, sharing;
    auto join_all = [&] {
      mirroring.join();
      relaying.join();
      if (replicating.joinable()) replicating.join();
      if (sharing.joinable()) sharing.join();
    };
    try {
      wait_for_stream();
      if (s_.replica && !g_stop) {
        replicating = std::thread([&] {
          try {
            Replica(*store_, *nats_, log_, s_.batch).run(g_stop, link_generation_);
          } catch (const std::exception& e) {
            log_.error(std::string("replica stopped: ") + e.what());
          }
        });
      }
      if (!g_stop) {
        sharing = std::thread([&] {
          try {
            RateShare(*store_, *nats_, log_, s_.node).run(g_stop);
          } catch (const std::exception& e) {
            log_.error(std::string("rate limits stopped: ") + e.what());
          }
        });
      }
      if (!g_stop) ship();
    } catch (...) {
      g_stop = true;
      join_all();
      throw;
    }
    join_all();
    save_link("stopped");
    log_.info("stopped");
    return 0;
  }

 private:
  // Marks the store as this node's (the CLI then refuses local endpoint
  // writes) and starts the cursor at 0 the first time.
  void claim_store() {
    write_state(*store_, [&](MDB_txn* txn) {
      if (auto owner = fleet_get(txn, *store_, fleet_key::node); owner && *owner != s_.node) {
        throw std::runtime_error("the store " + s_.db + " belongs to node \"" + std::string(*owner) +
                                 "\"; run voxfra-fleet with --node " + std::string(*owner));
      }
      fleet_put(txn, *store_, fleet_key::node, s_.node);
      fleet_put_u64(txn, *store_, fleet_key::pid, static_cast<std::uint64_t>(::getpid()));
      if (!shipped_cursor(txn, *store_)) fleet_put_u64(txn, *store_, fleet_key::shipped, 0);
      fleet_put(txn, *store_, fleet_key::replica, s_.replica ? "on" : "off");
      fleet_put(txn, *store_, fleet_key::link, "connecting");
      fleet_put_u64(txn, *store_, fleet_key::link_since, static_cast<std::uint64_t>(now_millis()));
    });
  }

  void save_link(std::string_view state) {
    try {
      write_state(*store_, [&](MDB_txn* txn) {
        fleet_put(txn, *store_, fleet_key::link, state);
        fleet_put_u64(txn, *store_, fleet_key::link_since, static_cast<std::uint64_t>(now_millis()));
      });
    } catch (const std::exception& e) {
      log_.error(std::string("cannot save the link state: ") + e.what());
    }
  }

  // The link state as the callbacks left it, saved when it changed.
  // A connection closed for good (libnats gives up only on an
  // authorization failure) ends the daemon: systemd restarts it.
  void persist_link() {
    if (!link_changed_.exchange(false)) return;
    LinkEvent e = link_.load();
    if (e == LinkEvent::closed && !g_stop) {
      save_link("closed");
      throw std::runtime_error("the NATS connection is closed; check --nats-user and --nats-password-file");
    }
    save_link(e == LinkEvent::connected || e == LinkEvent::resumed ? "connected"
              : e == LinkEvent::lost                              ? "lost"
                                                                  : "closed");
    if (e == LinkEvent::connected || e == LinkEvent::resumed) announce_catch_up_ = true;
  }

  // The stream is made by `voxfra fleet init` (a node's user may not create
  // it): wait for it, saying so once.
  void wait_for_stream() {
    jsCtx* js = nats_->jetstream();
    bool said = false;
    auto backoff = kMinBackoff;
    while (!g_stop) {
      persist_link();
      if (nats_->connected()) {
        try {
          check_calls_stream(js);
          if (said) log_.info(std::string("stream ") + kCallsStream + " found");
          return;
        } catch (const NatsError& e) {
          if (!said) {
            log_.warn(std::string(e.what()) + (e.js_code() == JSStreamNotFoundErr || e.status() == NATS_NOT_FOUND
                                                   ? "; create it with `voxfra --nats ... fleet init`"
                                                   : "") +
                      "; waiting");
            said = true;
          }
        } catch (const std::runtime_error& e) {
          throw;  // a stream that does not fit: an operator must look
        }
      }
      pause_for(backoff);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

  void ship() {
    Shipper shipper(*store_, *nats_, s_.node, s_.batch, s_.ack_wait_ms);
    auto backoff = kMinBackoff;
    std::uint64_t failed_rounds = 0, shipped_since = 0;
    announce_catch_up_ = true;
    while (!g_stop) {
      persist_link();
      if (!nats_->connected()) {
        pause_for(kIdlePoll);
        continue;
      }
      ShipRound r = shipper.round();
      shipped_since += r.shipped;
      if (r.failed) {
        if (failed_rounds++ == 0) {
          log_.warn("shipping stalled: " + r.failure + "; retrying with the same message ids");
        }
        announce_catch_up_ = true;
        pause_for(backoff);
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
      if (failed_rounds > 0) {
        log_.info("shipping resumed after " + std::to_string(failed_rounds) + " failed round" +
                  (failed_rounds == 1 ? "" : "s"));
        failed_rounds = 0;
      }
      backoff = kMinBackoff;
      if (r.read == s_.batch) announce_catch_up_ = true;  // a backlog
      // A partial batch: let records gather before the next round. Each
      // round ends in a write transaction (the cursor) that takes LMDB's
      // writer lock and syncs; many tiny rounds would slow NGINX's commits.
      if (r.read > 0 && r.read < s_.batch) pause_for(kGatherPause);
      if (r.read == 0) {
        if (announce_catch_up_) {
          log_.info("caught up: " + std::to_string(shipped_since) + " record" + (shipped_since == 1 ? "" : "s") +
                    " shipped since the last state change");
          announce_catch_up_ = false;
          shipped_since = 0;
        }
        pause_for(kIdlePoll);
      }
    }
  }

  Settings s_;
  DaemonLog log_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<NatsConnection> nats_;
  std::atomic<LinkEvent> link_{LinkEvent::lost};
  std::atomic<bool> link_changed_{false};
  std::atomic<std::uint64_t> link_generation_{0};
  bool announce_catch_up_ = false;
};

}  // namespace

}  // namespace voxfra::fleet

int main(int argc, char** argv) {
  using namespace voxfra;
  fleet::Settings settings;
  try {
    settings = fleet::read_settings(argc, argv);
  } catch (const cli::UsageError& e) {
    std::cerr << "voxfra-fleet: " << e.what() << '\n' << fleet::kUsage;
    return cli::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "voxfra-fleet: " << e.what() << '\n';
    return cli::kExitFailure;
  }
  if (settings.action == "help") {
    std::cout << fleet::kUsage << fleet::kOptionHelp;
    return 0;
  }
  if (settings.action == "version") {
    std::cout << "voxfra-fleet " << version() << '\n';
    return 0;
  }
  struct sigaction sa {};
  sa.sa_handler = fleet::on_stop_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  int status;
  try {
    status = fleet::Daemon(std::move(settings)).run();
  } catch (const std::exception& e) {
    std::cerr << "voxfra-fleet: " << e.what() << '\n';
    status = cli::kExitFailure;
  }
  nats_Close();
  return status;
}
