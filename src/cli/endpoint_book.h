// Where `voxfra endpoint ...` reads and writes endpoints: the node's LMDB
// store (--db), or with --nats the fleet's voxfra_endpoints KV bucket
// (docs/fleet.md). The commands are the same either way; only the book
// differs. A store that voxfra-fleet mirrors refuses local writes, naming
// --nats.
#pragma once
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "cli/context.h"
#include "store/endpoint.h"
#include "store/store.h"
#include "util/args.h"

namespace voxfra::cli {

class EndpointBook {
 public:
  virtual ~EndpointBook() = default;
  virtual std::optional<Endpoint> find(std::string_view slug) = 0;
  // Every endpoint, oldest first.
  virtual std::vector<Endpoint> all() = 0;
  // Writes a new or changed endpoint. In the bucket a change is written only
  // if no one changed the endpoint since this book read it (else
  // CommandError, nothing written); in the store, at commit().
  virtual void save(const Endpoint& e) = 0;
  virtual void commit() = 0;
  // The endpoint's counters (the node's, from --db; zero when the fleet's
  // bucket is read without a store).
  virtual EndpointStats stats(std::string_view slug) = 0;
};

// --nats: the bucket (with --db too: counters from that store); else the
// store, read-only for Access::read. Throws UsageError, CommandError.
std::unique_ptr<EndpointBook> open_endpoint_book(const Cli& cli, const Args& args, Access access);

// Throws CommandError `no endpoint with slug "…"`.
Endpoint require_endpoint(EndpointBook& book, std::string_view slug);
// There is one active endpoint per (org, client, provider). Throws
// CommandError naming the active one, other than `except_slug`, if any.
void refuse_second_active(EndpointBook& book, const Endpoint& wanted, std::string_view except_slug);

}  // namespace voxfra::cli
