// Mirrors the fleet's voxfra_endpoints bucket into the node's `endpoints`
// database (docs/fleet.md). A watcher applies changes as they come (ms in
// steady state); a full snapshot is reconciled at start, after every
// reconnect and every reconcile interval, because a KV watcher can stall
// 10-15 s after a server failure. Each key's bucket revision is kept beside
// it, so an older record never replaces a newer one: a revoke or disable is
// never undone by a late or replayed entry. A value this build cannot read
// (malformed, or from a newer schema) is logged once and skipped.
#pragma once
#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fleet/endpoint_bucket.h"
#include "store/store.h"

namespace voxfra::fleet {

class DaemonLog;
class NatsConnection;

// One bucket entry into the node's `endpoints` in the caller's write
// transaction, unless the node has that revision or a newer one; true when
// the store changed. `skipped` says why an entry was passed over (else empty).
// The mirror's, and voxfra-fleet's for a change it made itself.
bool mirror_entry(MDB_txn* txn, const Store& store, const BucketEntry& entry, std::string& skipped);

class EndpointMirror {
 public:
  EndpointMirror(Store& store, NatsConnection& nats, DaemonLog& log, std::int64_t reconcile_interval_ms);
  // Until `stop`. `link_generation` grows at every reconnect: a fresh
  // snapshot follows each.
  void run(const std::atomic<bool>& stop, const std::atomic<std::uint64_t>& link_generation);

 private:
  // Applies the snapshot in one write transaction; false when the store
  // was never mirrored and holds endpoints the bucket lacks (then nothing
  // is changed: an operator imports or removes them first).
  bool reconcile(const std::vector<BucketEntry>& snapshot);
  // In the caller's write transaction; true when the store changed.
  bool apply(MDB_txn* txn, const BucketEntry& entry);
  void apply_one(const BucketEntry& entry);
  void warn_once(const BucketEntry& entry, const std::string& why);

  Store& store_;
  NatsConnection& nats_;
  DaemonLog& log_;
  std::int64_t reconcile_interval_ms_;
  std::set<std::pair<std::string, std::uint64_t>> warned_;  // (slug, revision) already logged
  bool said_unimported_ = false;
};

}  // namespace voxfra::fleet
