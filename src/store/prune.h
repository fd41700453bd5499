// Deleting old calls (`voxfra calls prune`, and retention run from cron):
// the records received before a time, their call-index entries, and
// call-index entries whose record is already gone. In bounded write
// transactions, so that LMDB's single writer lock is never held for long
// while NGINX's workers commit calls between them. LMDB reuses the freed
// pages for new calls; the file does not shrink (mdb_copy -c compacts it
// offline).
#pragma once
#include <cstddef>
#include <cstdint>

#include "store/store.h"
#include "util/time.h"

namespace voxfra {

// Calls are stored in commit order; a call's receive time precedes its
// commit by at most the time it waited for its batch (milliseconds, at
// worst the request timeout). The walk stops at the first call received
// this long after the cut: everything after it is newer.
inline constexpr std::int64_t kCommitOrderSlackMs = 5 * 60 * 1000;

struct PruneOptions {
  UnixMillis before = 0;       // calls received before this are deleted
  bool dry_run = false;        // count only, in one read transaction
  std::size_t batch = 1000;    // records deleted (or entries looked at) per write transaction
};

struct PruneResult {
  std::uint64_t calls = 0;         // records deleted (dry run: that would be)
  std::uint64_t bytes = 0;         // their stored size
  std::uint64_t keys = 0;          // call-index entries deleted
  std::uint64_t transactions = 0;  // write transactions committed
  // A fleet node: the walk stopped at a record old enough to delete that
  // voxfra-fleet has not shipped yet (it and everything after it stay).
  bool kept_unshipped = false;
};

// Throws StoreError. A failure leaves every committed batch deleted and
// nothing of the failing one: running it again continues.
PruneResult prune_calls(Store& store, const PruneOptions& options);

}  // namespace voxfra
