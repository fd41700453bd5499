#include "fleet/bucket_book.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "endpoints/endpoint_changes.h"
#include "fleet/nats_client.h"
#include "store/fleet_rates.h"
#include "util/time.h"

namespace voxfra::fleet {

namespace {

constexpr std::int64_t kSnapshotTimeoutMs = 10000;
// A claim this young that names an endpoint not active (or not there yet)
// is an activation under way (claimed, not yet written), not one left
// behind by a writer that died between the two.
constexpr std::int64_t kClaimSettleMs = 10000;

}  // namespace

BucketEndpointBook::BucketEndpointBook(jsCtx* js, std::function<void(const std::string&)> warn)
    : warn_(std::move(warn)) {
  try {
    bucket_ = std::make_unique<EndpointBucket>(js);
  } catch (const NatsError& e) {
    throw EndpointBookUnreachable(e.what(), false);
  }
}

BucketEndpointBook::~BucketEndpointBook() = default;

std::optional<Endpoint> BucketEndpointBook::find(std::string_view slug) {
  if (slug.empty() || slug.size() > 256 || is_claim_key(slug)) return std::nullopt;
  std::optional<BucketEntry> entry;
  try {
    entry = bucket_->find(std::string(slug));
  } catch (const NatsError& e) {
    throw EndpointBookUnreachable(e.what(), !written_.empty());
  }
  if (!entry || entry->op != BucketEntry::Op::put) return std::nullopt;
  if (auto e = try_decode(*entry)) return e;
  throw UnreadableEndpoint(entry->slug);
}

std::vector<Endpoint> BucketEndpointBook::all() {
  std::vector<Endpoint> all;
  try {
    for (const BucketEntry& entry : bucket_->snapshot(kSnapshotTimeoutMs)) {
      if (entry.op != BucketEntry::Op::put) continue;
      // A value this version cannot read (malformed, a newer schema) is left
      // out of listings and checks, as the daemons skip it; `show` of that
      // slug still says it cannot be read.
      if (auto e = try_decode(entry)) {
        all.push_back(std::move(*e));
      } else if (warn_) {
        warn_("the bucket's record of slug \"" + entry.slug.substr(0, 4) +
              "*\" cannot be read by this version of voxfra; left out");
      }
    }
  } catch (const NatsError& e) {
    throw EndpointBookUnreachable(e.what(), !written_.empty());
  }
  std::stable_sort(all.begin(), all.end(), [](const Endpoint& a, const Endpoint& b) {
    return a.created_at < b.created_at;
  });
  return all;
}

void BucketEndpointBook::save(const Endpoint& e) {
  auto known = revisions_.find(e.slug);
  try {
    // An activation (a new endpoint, or one enabled) claims its org, client
    // and provider first; a change to one that stays active needs no claim.
    const bool active = e.status == EndpointStatus::active;
    if (active && !active_when_read_.count(e.slug)) claim(e);
    std::uint64_t revision = bucket_->write(e, known == revisions_.end() ? 0 : known->second);
    revisions_[e.slug] = revision;
    written_.push_back(BucketEntry{e.slug, revision, BucketEntry::Op::put, encode_endpoint(e)});
    if (active) {
      active_when_read_.insert(e.slug);
    } else {
      active_when_read_.erase(e.slug);
      release(e);
    }
  } catch (const RevisionConflict& c) {
    throw EndpointRefused(EndpointRefused::Why::conflict, c.what());
  } catch (const NatsError& n) {
    // A write the server may have taken before the answer was lost.
    throw EndpointBookUnreachable(n.what(), true);
  }
}

// Two writers that each checked the endpoints (refuse_second_active) and
// then activate one for the same org, client and provider both rewrite the
// claim at the revision they read: the second is refused.
void BucketEndpointBook::claim(const Endpoint& e) {
  const std::string key = claim_key(e);
  std::optional<BucketEntry> held = bucket_->find(key);
  std::uint64_t revision = 0;  // none, or deleted: created anew
  if (held && held->op == BucketEntry::Op::put) {
    revision = held->revision;
    const std::string& holder = held->value;
    if (!holder.empty() && holder != e.slug) {
      std::optional<Endpoint> other = find(holder);
      if (other && other->status == EndpointStatus::active) {
        throw EndpointRefused(EndpointRefused::Why::conflict,
                              "an active endpoint for org \"" + e.org + "\", client \"" + e.client + "\", provider " +
                                  std::string(provider_name(e.provider)) + " already exists: " + other->id +
                                  " (disable or revoke it first, or replace it)");
      }
      // Not active (or not written yet: a create under way) and claimed a
      // moment ago: someone is activating it now.
      const std::int64_t age = now_millis() - held->created_ms;
      if (age >= 0 && age < kClaimSettleMs) {
        throw EndpointRefused(EndpointRefused::Why::conflict,
                              "an endpoint is being made active for org \"" + e.org + "\", client \"" + e.client +
                                  "\", provider " + std::string(provider_name(e.provider)) +
                                  " by someone else meanwhile; nothing was written, run the command again");
      }
    }
  }
  const std::uint64_t mine = bucket_->put(key, e.slug, revision,
                                          "the active endpoint for org \"" + e.org + "\", client \"" + e.client + "\"");
  // nats-server before 2.9.21 checks a clustered stream's expected revision
  // before the write's consensus, not in it (nats-server#4320): two writes
  // at the same revision a few milliseconds apart may both be taken. Of
  // those, the first to land follows the revision read; a later one
  // follows the first, and gives way, leaving its name in the claim: the
  // first puts its own back.
  // Read from a server that may not have applied the write yet (just after
  // a leader change): looked for again for 3 s before giving up.
  EndpointBucket::Neighbours around = bucket_->around(key, mine);
  for (int i = 0; i < 60 && !around.found; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    around = bucket_->around(key, mine);
  }
  const std::optional<BucketEntry>& before = around.before;
  const bool followed = revision == 0 ? !before || before->op == BucketEntry::Op::del
                                      : before && before->revision == revision;
  if (around.found && followed && around.last && around.last->value != e.slug) {
    bucket_->put(key, e.slug, around.last->revision, "the claim of " + e.id);
  }
  if (!around.found || !followed) {
    throw EndpointRefused(EndpointRefused::Why::conflict,
                          "an endpoint was made active for org \"" + e.org + "\", client \"" + e.client +
                              "\", provider " + std::string(provider_name(e.provider)) +
                              " by someone else meanwhile; nothing was written, run the command again");
  }
}

// An endpoint no longer active gives its claim back, unless another took it.
// The change itself is made: a claim not given back (NATS failing now) is
// taken over once 10 s old, so nothing here fails the command.
void BucketEndpointBook::release(const Endpoint& e) {
  const std::string key = claim_key(e);
  try {
    std::optional<BucketEntry> held = bucket_->find(key);
    if (!held || held->op != BucketEntry::Op::put || held->value != e.slug) return;
    bucket_->put(key, std::string(), held->revision, "the claim of " + e.id);
  } catch (const RevisionConflict&) {
    // Taken meanwhile by an endpoint made active: the claim is theirs.
  } catch (const NatsError&) {
  }
}

EndpointStats BucketEndpointBook::stats(std::string_view slug) {
  if (stats_txn_ == nullptr) return EndpointStats{};
  return read_fleet_endpoint_stats(stats_txn_, *stats_store_, slug);
}

std::optional<Endpoint> BucketEndpointBook::try_decode(const BucketEntry& entry) {
  Endpoint e;
  e.slug = entry.slug;
  if (!decode_endpoint(entry.value, e)) return std::nullopt;
  revisions_[entry.slug] = entry.revision;
  if (e.status == EndpointStatus::active) {
    active_when_read_.insert(entry.slug);
  } else {
    active_when_read_.erase(entry.slug);
  }
  return e;
}

}  // namespace voxfra::fleet
