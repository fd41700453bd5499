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
#include "endpoints/endpoint_book.h"
#include "store/endpoint.h"
#include "store/store.h"
#include "util/args.h"

namespace voxfra::cli {

// The core's book (endpoints/endpoint_book.h) with the CLI's commit: in
// the bucket each save is written (or refused) at once, compare-and-set on
// the revision this book read; in the store, at commit().
class CliEndpointBook : public EndpointBook {
 public:
  virtual void commit() = 0;
};

// --nats: the bucket (with --db too: counters from that store, and the
// audit entries into it at commit()); else the
// store, read-only for Access::read. Throws UsageError, CommandError.
std::unique_ptr<CliEndpointBook> open_endpoint_book(const Cli& cli, const Args& args, Access access);

}  // namespace voxfra::cli
