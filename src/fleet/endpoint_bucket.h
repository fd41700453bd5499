// The fleet's endpoints in the voxfra_endpoints KV bucket (docs/fleet.md):
// key = slug, value = the endpoint record in the store's own codec
// (store/endpoint.h), so that the bucket, the CLI and every node's LMDB hold
// the same bytes. The CLI's --nats commands write it with compare-and-set on
// the revision; voxfra-fleet mirrors it.
#pragma once
#include <nats/nats.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/endpoint.h"

namespace voxfra::fleet {

// Someone else changed the endpoint since it was read.
class RevisionConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One key's last entry, as a watcher or a read returns it.
struct BucketEntry {
  std::string slug;
  std::uint64_t revision = 0;
  enum class Op : std::uint8_t { put, del } op = Op::put;  // del: a delete or purge marker
  std::string value;
  std::int64_t created_ms = 0;  // when the server stored it (its clock)
};

// The key beside the endpoints that names the one endpoint active for an
// org, client and provider ("claim." and 32 hex digits of a hash of the
// three): the bucket has no transactions, so it is where two writers
// activating endpoints for the same three meet (docs/fleet.md). Not an
// endpoint: watchers and snapshots leave it out.
std::string claim_key(const Endpoint& e);
bool is_claim_key(std::string_view key);

class EndpointBucket {
 public:
  explicit EndpointBucket(jsCtx* js);  // throws NatsError, naming `fleet init` when it is missing
  ~EndpointBucket();
  EndpointBucket(const EndpointBucket&) = delete;
  EndpointBucket& operator=(const EndpointBucket&) = delete;
  kvStore* get() const { return kv_; }

  // The last entry of every key (delete markers included): a full snapshot.
  // Throws NatsError when it cannot be had within `timeout_ms`.
  std::vector<BucketEntry> snapshot(std::int64_t timeout_ms);
  // The entry of one key; nullopt when there is none or it was deleted.
  std::optional<BucketEntry> find(const std::string& slug);
  // Writes `e` under its slug: a new key when `revision` is 0, else only if
  // the key is still at `revision`. Returns the new revision. Throws
  // RevisionConflict, NatsError.
  std::uint64_t write(const Endpoint& e, std::uint64_t revision);
  // Around `revision` in the key's history (the bucket keeps five a key):
  // whether it is there, the entry just before it, and the last entry.
  // Throws NatsError.
  struct Neighbours {
    bool found = false;
    std::optional<BucketEntry> before;
    std::optional<BucketEntry> last;
  };
  Neighbours around(const std::string& key, std::uint64_t revision);
  // The same for any key and value (a claim); `what` names it in errors.
  std::uint64_t put(const std::string& key, const std::string& value, std::uint64_t revision, const std::string& what);

 private:
  kvStore* kv_ = nullptr;
};

// Watches every key: first the last entry of each, then a marker (nullopt
// with `snapshot_done`), then every change. The mirror restarts it to get a
// fresh snapshot.
class BucketWatcher {
 public:
  explicit BucketWatcher(kvStore* kv);  // throws NatsError
  ~BucketWatcher();
  BucketWatcher(const BucketWatcher&) = delete;
  BucketWatcher& operator=(const BucketWatcher&) = delete;
  // NATS_OK with an entry or the snapshot marker (entry empty,
  // snapshot_done true); NATS_TIMEOUT when nothing came; else a failure.
  natsStatus next(std::optional<BucketEntry>& entry, bool& snapshot_done, std::int64_t timeout_ms);

 private:
  kvWatcher* w_ = nullptr;
};

}  // namespace voxfra::fleet
