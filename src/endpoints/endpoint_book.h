// Where endpoint changes read and write: the node's store, or (in the CLI,
// with --nats) the fleet's KV bucket. The rules (endpoints/endpoint_changes.h)
// are written against this, once for the CLI and the Management API.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/audit_log.h"
#include "store/endpoint.h"
#include "store/store.h"

namespace voxfra {

class EndpointBook {
 public:
  virtual ~EndpointBook() = default;
  virtual std::optional<Endpoint> find(std::string_view slug) = 0;
  // Every endpoint, oldest first.
  virtual std::vector<Endpoint> all() = 0;
  // Writes a new or changed endpoint (see the implementations for when it
  // is durable).
  virtual void save(const Endpoint& e) = 0;
  // The endpoint's counters (zero where the book has none); on a fleet node
  // the fleet's (read_fleet_endpoint_stats).
  virtual EndpointStats stats(std::string_view slug) = 0;
  // Records a change made through this book; a book without an audit log
  // (the fleet's bucket) records nothing.
  virtual void audit(AuditEntry& entry) = 0;
};

// The endpoint record of `slug` could not be read by this version.
class UnreadableEndpoint : public std::runtime_error {
 public:
  explicit UnreadableEndpoint(std::string_view slug)
      : std::runtime_error("the endpoint record of slug \"" + std::string(slug.substr(0, kSlugPrefixLength)) +
                           "…\" cannot be read by this version of voxfra") {}
};

// The book's storage could not be reached (the fleet's NATS servers): the
// change was not made, or, when `maybe_written`, may have been in part.
class EndpointBookUnreachable : public std::runtime_error {
 public:
  EndpointBookUnreachable(const std::string& what, bool maybe_written)
      : std::runtime_error(what), maybe_written(maybe_written) {}
  bool maybe_written;
};

// The store's endpoints in the caller's transaction: changes are made at
// its commit, audit entries with them.
class StoreEndpointBook final : public EndpointBook {
 public:
  StoreEndpointBook(MDB_txn* txn, const Store& store) : txn_(txn), store_(store) {}
  std::optional<Endpoint> find(std::string_view slug) override;
  std::vector<Endpoint> all() override;
  void save(const Endpoint& e) override;
  EndpointStats stats(std::string_view slug) override;
  void audit(AuditEntry& entry) override;

 private:
  MDB_txn* txn_;
  const Store& store_;
};

}  // namespace voxfra
