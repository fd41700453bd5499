// The endpoint rules' book (endpoints/endpoint_book.h) over the fleet's
// voxfra_endpoints bucket: what `voxfra --nats ... endpoint ...` changes,
// and what voxfra-fleet changes for a fleet node's Management API. Each
// save is written (or refused) at once, compare-and-set on the revision the
// book read. A revision conflict is the rules' conflict (nothing written);
// NATS failing is EndpointBookUnreachable. Audit entries are kept for the
// caller to record where it can (the bucket has no audit log).
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "endpoints/endpoint_book.h"
#include "fleet/endpoint_bucket.h"

namespace voxfra::fleet {

class BucketEndpointBook final : public EndpointBook {
 public:
  // `warn` hears of bucket values this version cannot read (left out of
  // listings). Throws EndpointBookUnreachable when the bucket cannot be opened.
  BucketEndpointBook(jsCtx* js, std::function<void(const std::string&)> warn);
  ~BucketEndpointBook() override;
  // Counters for stats() from this store (else zeros).
  void count_from(MDB_txn* txn, const Store& store) {
    stats_txn_ = txn;
    stats_store_ = &store;
  }

  std::optional<Endpoint> find(std::string_view slug) override;
  std::vector<Endpoint> all() override;
  void save(const Endpoint& e) override;
  EndpointStats stats(std::string_view slug) override;
  void audit(AuditEntry& entry) override { audits_.push_back(entry); }

  // What this book recorded, and wrote (with the bucket's revisions), so far.
  std::vector<AuditEntry>& audits() { return audits_; }
  const std::vector<BucketEntry>& written() const { return written_; }

 private:
  // The claim key of the endpoint's org, client and provider (endpoint_bucket.h).
  void claim(const Endpoint& e);
  void release(const Endpoint& e);
  // Remembers the revision it read, for the compare-and-set of a later save.
  std::optional<Endpoint> try_decode(const BucketEntry& entry);

  std::unique_ptr<EndpointBucket> bucket_;
  std::function<void(const std::string&)> warn_;
  std::map<std::string, std::uint64_t, std::less<>> revisions_;
  std::set<std::string, std::less<>> active_when_read_;  // slugs read (or written) active
  std::vector<AuditEntry> audits_;
  std::vector<BucketEntry> written_;
  MDB_txn* stats_txn_ = nullptr;
  const Store* stats_store_ = nullptr;
};

}  // namespace voxfra::fleet
