#include "fleet/bucket_book.h"

#include <algorithm>

#include "endpoints/endpoint_changes.h"
#include "fleet/nats_client.h"
#include "store/fleet_rates.h"

namespace voxfra::fleet {

namespace {

constexpr std::int64_t kSnapshotTimeoutMs = 10000;

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
  if (slug.empty() || slug.size() > 256) return std::nullopt;
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
    std::uint64_t revision = bucket_->write(e, known == revisions_.end() ? 0 : known->second);
    revisions_[e.slug] = revision;
    written_.push_back(BucketEntry{e.slug, revision, BucketEntry::Op::put, encode_endpoint(e)});
  } catch (const RevisionConflict& c) {
    throw EndpointRefused(EndpointRefused::Why::conflict, c.what());
  } catch (const NatsError& n) {
    // A write the server may have taken before the answer was lost.
    throw EndpointBookUnreachable(n.what(), true);
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
  return e;
}

}  // namespace voxfra::fleet
