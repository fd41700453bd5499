// One sync a commit (docs/design.md, "One sync a commit").
//
// With MDB_NOMETASYNC an LMDB commit syncs its data pages once and then
// writes its meta page without syncing it: the commit is not yet durable.
// Any later sync of the data file covers that meta page, whoever runs it:
// the next commit's data sync (it starts after the writer lock was handed
// on, so after the meta write), or an mdb_env_sync. A batch of calls is
// answered only once such a sync covered its commit.
//
// CommitCoverage lives in memory the node's committers share (the module
// puts it in shared memory; a unit test on the stack). Every committer
// publishes what its own sync covered; a committer whose commit is not
// covered yet waits for the next one only while another committer is under
// way, and syncs itself otherwise. Claims published here are always true,
// so a committer that sees another block (or none) is merely slower.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

namespace voxfra {

struct CommitCoverage {
  // Every transaction up to this id has its meta page on disk.
  std::atomic<std::uint64_t> durable{0};
  // Bumped (and waiters woken) whenever `durable` or `committers` changes:
  // a futex word, so 32 bits.
  std::atomic<std::uint32_t> changes{0};
  // Committers between the begin of their write transaction and its return:
  // each one's data sync will cover every commit before it.
  std::atomic<std::uint32_t> committers{0};
  // Counted for tests, the metrics page and docs/performance.md: commits
  // covered by another's sync, and syncs of a committer's own.
  std::atomic<std::uint64_t> covered_by_next{0};
  std::atomic<std::uint64_t> own_syncs{0};

  static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared between processes");
};

// One process's side of it; holds no state of its own, so any thread may use it.
class CoverageClient {
 public:
  // Syncs the data file; returns 0 or an errno/LMDB code, and in `through`
  // the newest transaction id read before the sync started.
  using SyncFn = std::function<int(std::uint64_t& through)>;

  // How long a committer waits for another to cover it before it syncs
  // itself: about one commit (two syncs on this machine's disk).
  static constexpr std::chrono::microseconds kDefaultPatience{2000};

  CoverageClient(CommitCoverage& shared, SyncFn sync,
                 std::chrono::microseconds patience = kDefaultPatience)
      : shared_(shared), sync_(std::move(sync)), patience_(patience) {}

  // Around one write transaction: begin before mdb_txn_begin, end after the
  // commit returned (committed: it wrote and synced its data pages, so every
  // transaction before `txn_id` is covered).
  void begin_commit();
  void end_commit(bool committed, std::uint64_t txn_id);

  // Returns once transaction `txn_id` is durable: covered by another
  // committer's sync, or by a sync of its own (whose code it returns;
  // `own_sync` says which).
  int cover(std::uint64_t txn_id, bool* own_sync = nullptr);
  // Counts a commit of calls made durable, by which sync (the metrics):
  // the caller knows what it committed, cover() does not.
  void count(bool own_sync);

 private:
  void publish(std::uint64_t durable_through);
  void wake();

  CommitCoverage& shared_;
  SyncFn sync_;
  std::chrono::microseconds patience_;
};

}  // namespace voxfra
