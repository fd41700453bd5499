#include "fleet/endpoint_bucket.h"

#include <chrono>

#include "base/provider.h"
#include "fleet/fleet_names.h"
#include "fleet/jetstream_setup.h"
#include "fleet/nats_client.h"

namespace voxfra::fleet {

namespace {

BucketEntry entry_of(kvEntry* e) {
  BucketEntry b;
  b.slug = kvEntry_Key(e);
  b.revision = kvEntry_Revision(e);
  b.op = kvEntry_Operation(e) == kvOp_Put ? BucketEntry::Op::put : BucketEntry::Op::del;
  b.created_ms = kvEntry_Created(e) / 1'000'000;
  if (b.op == BucketEntry::Op::put && kvEntry_ValueLen(e) > 0) {
    b.value.assign(static_cast<const char*>(kvEntry_Value(e)), static_cast<std::size_t>(kvEntry_ValueLen(e)));
  }
  return b;
}

constexpr std::string_view kClaimPrefix = "claim.";

}  // namespace

std::string claim_key(const Endpoint& e) {
  std::string three = e.org;
  three.push_back('\0');
  three += e.client;
  three.push_back('\0');
  three += provider_name(e.provider);
  return std::string(kClaimPrefix) + key_hash(three).substr(0, 32);
}

bool is_claim_key(std::string_view key) { return key.starts_with(kClaimPrefix); }

EndpointBucket::EndpointBucket(jsCtx* js) {
  natsStatus st = js_KeyValue(&kv_, js, kEndpointsBucket);
  if (st == NATS_NOT_FOUND) {
    throw NatsError(std::string("the fleet has no bucket ") + kEndpointsBucket +
                        " yet; create it with `voxfra --nats ... fleet init`",
                    st);
  }
  check(st, std::string("cannot open bucket ") + kEndpointsBucket);
}

EndpointBucket::~EndpointBucket() { kvStore_Destroy(kv_); }

std::vector<BucketEntry> EndpointBucket::snapshot(std::int64_t timeout_ms) {
  BucketWatcher watcher(kv_);
  std::vector<BucketEntry> entries;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw NatsError("no snapshot of the endpoints bucket in time", NATS_TIMEOUT);
    std::optional<BucketEntry> entry;
    bool done = false;
    check(watcher.next(entry, done, left.count()), "cannot read the endpoints bucket");
    if (done) return entries;
    if (entry) entries.push_back(std::move(*entry));
  }
}

std::optional<BucketEntry> EndpointBucket::find(const std::string& slug) {
  kvEntry* e = nullptr;
  natsStatus st = kvStore_Get(&e, kv_, slug.c_str());
  if (st == NATS_NOT_FOUND) return std::nullopt;
  check(st, "cannot read endpoint " + slug + " from the bucket");
  BucketEntry b = entry_of(e);
  kvEntry_Destroy(e);
  return b;
}

EndpointBucket::Neighbours EndpointBucket::around(const std::string& key, std::uint64_t revision) {
  kvEntryList list{};
  Neighbours n;
  // Not found: a server that has not caught up yet (after a leader change).
  const natsStatus st = kvStore_History(&list, kv_, key.c_str(), nullptr);
  if (st == NATS_NOT_FOUND) return n;
  check(st, "cannot read the history of " + key);
  for (int i = 0; i < list.Count; ++i) {
    if (kvEntry_Revision(list.Entries[i]) == revision) {
      n.found = true;
    } else if (!n.found) {
      n.before = entry_of(list.Entries[i]);
    }
  }
  if (list.Count > 0) n.last = entry_of(list.Entries[list.Count - 1]);
  kvEntryList_Destroy(&list);
  return n;
}

std::uint64_t EndpointBucket::write(const Endpoint& e, std::uint64_t revision) {
  return put(e.slug, encode_endpoint(e), revision, "endpoint " + e.id);
}

std::uint64_t EndpointBucket::put(const std::string& key, const std::string& value, std::uint64_t revision,
                                  const std::string& what) {
  std::uint64_t rev = 0;
  natsStatus st = revision == 0
                      ? kvStore_Create(&rev, kv_, key.c_str(), value.data(), static_cast<int>(value.size()))
                      : kvStore_Update(&rev, kv_, key.c_str(), value.data(), static_cast<int>(value.size()), revision);
  if (st == NATS_ERR && last_error_text(st).find("wrong last sequence") != std::string::npos) {
    throw RevisionConflict(what + " was changed by someone else meanwhile; nothing was written, "
                           "run the command again");
  }
  check(st, "cannot write " + what + " to the bucket");
  return rev;
}

BucketWatcher::BucketWatcher(kvStore* kv) {
  kvWatchOptions o;
  kvWatchOptions_Init(&o);
  check(kvStore_WatchAll(&w_, kv, &o), "cannot watch the endpoints bucket");
}

BucketWatcher::~BucketWatcher() { kvWatcher_Destroy(w_); }

natsStatus BucketWatcher::next(std::optional<BucketEntry>& entry, bool& snapshot_done, std::int64_t timeout_ms) {
  entry.reset();
  snapshot_done = false;
  kvEntry* e = nullptr;
  natsStatus st = kvWatcher_Next(&e, w_, timeout_ms);
  if (st != NATS_OK) return st;
  if (e == nullptr) {
    snapshot_done = true;
    return NATS_OK;
  }
  if (!is_claim_key(kvEntry_Key(e))) entry = entry_of(e);
  kvEntry_Destroy(e);
  return NATS_OK;
}

}  // namespace voxfra::fleet
