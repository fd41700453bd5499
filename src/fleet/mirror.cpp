#include "fleet/mirror.h"

#include <chrono>
#include <set>
#include <thread>

#include "fleet/daemon_log.h"
#include "fleet/nats_client.h"
#include "store/fleet_state.h"
#include "store/lmdb_util.h"

namespace voxfra::fleet {

namespace {

constexpr std::int64_t kSnapshotTimeoutMs = 10000;
constexpr std::int64_t kWatchPollMs = 250;

std::string revision_key(std::string_view slug) {
  std::string key(fleet_key::revision_prefix);
  key += slug;
  return key;
}

void pause(const std::atomic<bool>& stop, std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

class WriteTxn {
 public:
  explicit WriteTxn(Store& store) {
    lmdb::check(mdb_txn_begin(store.env(), nullptr, 0, &txn_), "cannot begin a write transaction");
  }
  ~WriteTxn() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  MDB_txn* get() const { return txn_; }
  void commit() {
    MDB_txn* t = txn_;
    txn_ = nullptr;
    lmdb::check(mdb_txn_commit(t), "cannot commit the mirrored endpoints");
  }

 private:
  MDB_txn* txn_ = nullptr;
};

}  // namespace

EndpointMirror::EndpointMirror(Store& store, NatsConnection& nats, DaemonLog& log, std::int64_t reconcile_interval_ms)
    : store_(store), nats_(nats), log_(log), reconcile_interval_ms_(reconcile_interval_ms) {}

void EndpointMirror::warn_once(const BucketEntry& entry, const std::string& why) {
  if (!warned_.emplace(entry.slug, entry.revision).second) return;
  log_.warn("endpoint " + entry.slug.substr(0, 4) + "* (bucket revision " + std::to_string(entry.revision) +
            ") skipped: " + why);
}

bool mirror_entry(MDB_txn* txn, const Store& store, const BucketEntry& entry, std::string& skipped) {
  skipped.clear();
  if (entry.slug.empty() || entry.slug.size() > 256) return false;
  const std::string rev_key = revision_key(entry.slug);
  std::uint64_t mirrored = fleet_get_u64(txn, store, rev_key).value_or(0);
  if (entry.revision <= mirrored) return false;  // older than what the node has, or the same
  MDB_val key = lmdb::val(entry.slug);
  if (entry.op == BucketEntry::Op::del) {
    int rc = mdb_del(txn, store.endpoints_dbi(), &key, nullptr);
    if (rc != MDB_NOTFOUND) lmdb::check(rc, "cannot delete a mirrored endpoint");
    fleet_put_u64(txn, store, rev_key, entry.revision);
    return true;
  }
  Endpoint e;
  e.slug = entry.slug;
  EndpointView view;
  if (!decode_endpoint(entry.value, e) || !decode_endpoint_view(entry.value, view)) {
    skipped = "not an endpoint record this version of voxfra reads (malformed, or a newer schema)";
    return false;
  }
  MDB_val current;
  int rc = mdb_get(txn, store.endpoints_dbi(), &key, &current);
  if (rc != MDB_NOTFOUND) lmdb::check(rc, "cannot read a mirrored endpoint");
  Endpoint local;
  local.slug = entry.slug;
  if (rc == 0 && decode_endpoint(lmdb::view(current), local) && local.status == EndpointStatus::revoked &&
      e.status != EndpointStatus::revoked) {
    skipped = "it would bring a revoked endpoint back";
    return false;
  }
  MDB_val value = lmdb::val(entry.value);
  lmdb::check(mdb_put(txn, store.endpoints_dbi(), &key, &value, 0), "cannot write a mirrored endpoint");
  fleet_put_u64(txn, store, rev_key, entry.revision);
  return true;
}

bool EndpointMirror::apply(MDB_txn* txn, const BucketEntry& entry) {
  std::string skipped;
  bool changed = mirror_entry(txn, store_, entry, skipped);
  if (!skipped.empty()) warn_once(entry, skipped);
  return changed;
}

void EndpointMirror::apply_one(const BucketEntry& entry) {
  WriteTxn txn(store_);
  if (!apply(txn.get(), entry)) return;
  fleet_put_u64(txn.get(), store_, fleet_key::mirror_updated, static_cast<std::uint64_t>(now_millis()));
  txn.commit();
}

bool EndpointMirror::reconcile(const std::vector<BucketEntry>& snapshot) {
  WriteTxn txn(store_);
  std::set<std::string, std::less<>> in_bucket;
  for (const BucketEntry& entry : snapshot) in_bucket.insert(entry.slug);
  std::vector<std::string> absent;
  {
    MDB_cursor* c = nullptr;
    lmdb::check(mdb_cursor_open(txn.get(), store_.endpoints_dbi(), &c), "cannot open a cursor");
    MDB_val k, v;
    for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
      if (!in_bucket.contains(lmdb::view(k))) absent.emplace_back(lmdb::view(k));
    }
    mdb_cursor_close(c);
  }
  const bool first = !fleet_get(txn.get(), store_, fleet_key::mirror_updated);
  if (first && !absent.empty()) {
    if (!said_unimported_) {
      log_.error(std::to_string(absent.size()) + " endpoint" + (absent.size() == 1 ? "" : "s") +
                 " of this store are not in the fleet's bucket; the node keeps serving its own until they are "
                 "imported (`voxfra --db DIR --nats ... fleet import-endpoints`) or removed");
      said_unimported_ = true;
    }
    return false;
  }
  std::size_t changed = 0;
  for (const BucketEntry& entry : snapshot) changed += apply(txn.get(), entry);
  for (const std::string& slug : absent) {
    MDB_val key = lmdb::val(slug);
    lmdb::check(mdb_del(txn.get(), store_.endpoints_dbi(), &key, nullptr), "cannot delete a mirrored endpoint");
    fleet_del(txn.get(), store_, revision_key(slug));
    ++changed;
  }
  fleet_put_u64(txn.get(), store_, fleet_key::mirror_updated, static_cast<std::uint64_t>(now_millis()));
  txn.commit();
  if (first) {
    log_.info("endpoints mirrored: " + std::to_string(snapshot.size()) + " in the fleet's bucket");
  } else if (changed > 0) {
    log_.info("endpoints reconciled: " + std::to_string(changed) + " changed by the snapshot");
  }
  said_unimported_ = false;
  return true;
}

void EndpointMirror::run(const std::atomic<bool>& stop, const std::atomic<std::uint64_t>& link_generation) {
  std::unique_ptr<EndpointBucket> bucket;
  jsCtx* js = nats_.jetstream();
  bool failing = false;
  auto backoff = std::chrono::milliseconds(250);
  while (!stop) {
    if (!nats_.connected()) {
      pause(stop, std::chrono::milliseconds(100));
      continue;
    }
    try {
      if (!bucket) bucket = std::make_unique<EndpointBucket>(js);
      const std::uint64_t generation = link_generation.load();
      BucketWatcher watcher(bucket->get());
      std::vector<BucketEntry> snapshot;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kSnapshotTimeoutMs);
      for (bool done = false; !done && !stop;) {
        if (std::chrono::steady_clock::now() > deadline) throw NatsError("no snapshot of the bucket in time", NATS_TIMEOUT);
        std::optional<BucketEntry> entry;
        natsStatus st = watcher.next(entry, done, kWatchPollMs);
        if (st == NATS_TIMEOUT) continue;
        check(st, "cannot read the endpoints bucket");
        if (entry) snapshot.push_back(std::move(*entry));
      }
      if (stop) break;
      if (!reconcile(snapshot)) {
        pause(stop, std::chrono::milliseconds(reconcile_interval_ms_));
        continue;
      }
      if (failing) log_.info("endpoints mirror resumed");
      failing = false;
      backoff = std::chrono::milliseconds(250);
      // Live changes until the next full reconcile (or a reconnect).
      auto next_reconcile = std::chrono::steady_clock::now() + std::chrono::milliseconds(reconcile_interval_ms_);
      while (!stop && std::chrono::steady_clock::now() < next_reconcile && link_generation.load() == generation) {
        std::optional<BucketEntry> entry;
        bool done = false;
        natsStatus st = watcher.next(entry, done, kWatchPollMs);
        if (st == NATS_TIMEOUT) continue;
        check(st, "the endpoints watcher stopped");
        if (entry) apply_one(*entry);
      }
    } catch (const std::exception& e) {
      if (!failing) log_.warn(std::string("endpoints mirror: ") + e.what() + "; the node serves its last mirror, retrying");
      failing = true;
      if (dynamic_cast<const NatsError*>(&e) != nullptr &&
          dynamic_cast<const NatsError*>(&e)->status() == NATS_NOT_FOUND) {
        bucket.reset();
      }
      pause(stop, backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
  }
}

}  // namespace voxfra::fleet
