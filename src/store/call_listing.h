// Calls as listings show them (the CLI's `calls list` and the Management
// API): one entry per call, its revisions merged (record/record_merge.h),
// newest first by record sequence, and pages that continue exactly where
// the previous one stopped.
#pragma once
#include <lmdb.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace voxfra {

struct CallFilter {
  std::optional<std::string> org, client;
  std::optional<Provider> provider;
  std::optional<std::string> outcome;  // the record's "outcome"; read from its JSON
  UnixMillis since = std::numeric_limits<UnixMillis>::min();
  UnixMillis until = std::numeric_limits<UnixMillis>::max();

  bool matches(const StoredCall& c) const;
};

enum class Order { newest_first, oldest_first };

// Calls `visit` with each readable record in `order` until it returns false.
// The views stay valid while `txn` is open. A record this version cannot
// read (written by a newer one) is passed over rather than ending the walk.
void walk_calls(MDB_txn* txn, const Store& store, Order order, const std::function<bool(const StoredCall&)>& visit);

std::optional<StoredCall> find_record(MDB_txn* txn, const Store& store, std::uint64_t sequence);

// One call: every stored revision (Retell's call_ended and call_analyzed are
// two), newest first.
struct CallRevisions {
  std::vector<StoredCall> revisions;
  const StoredCall& newest() const { return revisions.front(); }
  std::string merged_json() const;
  // As stored when the call has one revision, merged otherwise. Both throw
  // StoreError when a revision is not JSON our reader can parse, rather
  // than hand on what no client could read.
  std::string json() const;
};

// The revisions of the call `c` belongs to, found through the call index,
// `c` among them, none after `up_to`.
CallRevisions call_revisions(MDB_txn* txn, const Store& store, const StoredCall& c,
                             std::uint64_t up_to = std::numeric_limits<std::uint64_t>::max());

// Where a page of calls continues: below record sequence `below`, among the
// records up to `top` (the newest when the first page was read), so that
// calls stored meanwhile neither shift nor repeat what the pages show.
struct CallPosition {
  std::uint64_t top = 0;
  std::uint64_t below = 0;
};

struct CallPage {
  std::vector<CallRevisions> calls;
  std::vector<std::uint64_t> listed_at;  // per call: the sequence of the revision it is listed at
  std::uint64_t top = 0;
  std::optional<CallPosition> next;  // none: nothing more
};

// Up to `limit` matching calls from `from` (the newest when absent), having
// looked at no more than `scan_budget` records: a page may hold fewer calls
// than `limit` and still have a next one. A call is listed once, where its
// newest matching revision (up to `top`) is.
CallPage page_calls(MDB_txn* txn, const Store& store, const CallFilter& filter, std::size_t limit,
                    std::optional<CallPosition> from,
                    std::size_t scan_budget = std::numeric_limits<std::size_t>::max());

// The newest `limit` calls that match, each with all its revisions.
std::vector<CallRevisions> list_calls(MDB_txn* txn, const Store& store, const CallFilter& filter,
                                      std::uint64_t limit);

// The calls with this provider call id, in `org` (every org when absent)
// and `client` (every client when absent), found through the call index.
std::vector<CallRevisions> find_calls_by_call_id(MDB_txn* txn, const Store& store, Provider provider,
                                                 std::string_view call_id, const std::optional<std::string>& org,
                                                 const std::optional<std::string>& client);

}  // namespace voxfra
