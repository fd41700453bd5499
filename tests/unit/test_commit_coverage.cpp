// One sync a commit (docs/design.md, "One sync a commit"): a commit is
// reported durable only after a sync that started after it, another
// committer's or its own.
#include <lmdb.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "store/commit_coverage.h"
#include "store_harness.h"

namespace voxfra {
namespace {

using namespace std::chrono_literals;
using store_harness::StoreTest;
using store_harness::TestCall;

// A sync that counts its calls and claims `through`.
struct FakeSync {
  std::atomic<int> calls{0};
  std::uint64_t through = 0;
  int rc = 0;
  CoverageClient::SyncFn fn() {
    return [this](std::uint64_t& t) {
      ++calls;
      t = through;
      return rc;
    };
  }
};

TEST(CommitCoverage, SyncsItselfWhenNoOtherCommitterIsUnderWay) {
  CommitCoverage shared;
  FakeSync sync;
  sync.through = 7;
  CoverageClient client(shared, sync.fn(), 5s);
  client.begin_commit();
  client.end_commit(true, 7);
  auto start = std::chrono::steady_clock::now();
  bool own_sync = false;
  EXPECT_EQ(client.cover(7, &own_sync), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);  // no waiting for nobody
  EXPECT_EQ(sync.calls, 1);
  EXPECT_TRUE(own_sync);
  EXPECT_EQ(shared.durable, 7u);
}

TEST(CommitCoverage, TheNextCommitCoversTheOneBeforeIt) {
  CommitCoverage shared;
  FakeSync sync_a, sync_b;
  CoverageClient a(shared, sync_a.fn(), 5s), b(shared, sync_b.fn(), 5s);
  a.begin_commit();
  b.begin_commit();  // under way, behind a on the writer lock
  a.end_commit(true, 5);
  std::atomic<bool> b_committed{false};
  std::thread next([&] {
    std::this_thread::sleep_for(50ms);
    b_committed = true;
    b.end_commit(true, 6);  // its data sync covered 5's meta page
  });
  bool own_sync = true;
  EXPECT_EQ(a.cover(5, &own_sync), 0);
  // Not reported durable before the covering commit returned.
  EXPECT_TRUE(b_committed);
  next.join();
  EXPECT_EQ(sync_a.calls, 0);
  EXPECT_FALSE(own_sync);
  EXPECT_GE(shared.durable, 5u);
}

TEST(CommitCoverage, ACommitterThatWritesNothingCoversNothing) {
  CommitCoverage shared;
  FakeSync sync_a, sync_b;
  sync_a.through = 5;
  CoverageClient a(shared, sync_a.fn(), 5s), b(shared, sync_b.fn(), 5s);
  b.begin_commit();
  a.begin_commit();
  a.end_commit(true, 5);
  std::atomic<bool> b_ended{false};
  std::thread empty([&] {
    std::this_thread::sleep_for(30ms);
    b_ended = true;
    b.end_commit(false, 6);  // a batch of duplicates: no sync happened
  });
  EXPECT_EQ(a.cover(5), 0);
  EXPECT_TRUE(b_ended);
  empty.join();
  EXPECT_EQ(sync_a.calls, 1);  // so a synced itself
  EXPECT_EQ(shared.durable, 5u);
}

TEST(CommitCoverage, PatienceRunsOutThenItSyncsItself) {
  CommitCoverage shared;
  FakeSync sync_a, sync_b;
  sync_a.through = 9;
  CoverageClient a(shared, sync_a.fn(), 20ms), stuck(shared, sync_b.fn());
  stuck.begin_commit();  // never ends (a commit stuck behind a long writer)
  a.begin_commit();
  a.end_commit(true, 9);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(a.cover(9), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  EXPECT_EQ(sync_a.calls, 1);
  EXPECT_EQ(shared.durable, 9u);
}

TEST(CommitCoverage, AFailedSyncIsReportedAndClaimsNothing) {
  CommitCoverage shared;
  FakeSync sync;
  sync.through = 4;
  sync.rc = EIO;
  CoverageClient client(shared, sync.fn());
  client.begin_commit();
  client.end_commit(true, 4);
  EXPECT_EQ(client.cover(4), EIO);
  EXPECT_EQ(shared.durable, 3u);  // what its own commit's data sync covered, no more
}

class StoreCoverageTest : public StoreTest {
 protected:
  StoreOptions synced() const {
    StoreOptions o = options();
    o.sync_commits = true;
    return o;
  }
};

TEST_F(StoreCoverageTest, AppendReturnsOnlyOnceItsCommitIsCovered) {
  CommitCoverage shared;
  Store store(synced());
  store.share_commit_coverage(&shared);
  unsigned flags = 0;
  ASSERT_EQ(mdb_env_get_flags(store.env(), &flags), 0);
  EXPECT_TRUE(flags & MDB_NOMETASYNC);
  TestCall a("a"), b("b");
  store_harness::append(store, {&a}, 1000);
  ASSERT_EQ(a.call.result, PendingCall::Result::stored);
  MDB_envinfo info;
  ASSERT_EQ(mdb_env_info(store.env(), &info), 0);
  EXPECT_GE(shared.durable, info.me_last_txnid);  // its commit is the newest, and covered
  EXPECT_EQ(shared.own_syncs, 1u);                // nobody else commits here
  store_harness::append(store, {&b}, 1001);
  ASSERT_EQ(mdb_env_info(store.env(), &info), 0);
  EXPECT_GE(shared.durable, info.me_last_txnid);
  EXPECT_EQ(shared.own_syncs + shared.covered_by_next, 2u);
  // A commit that is not of calls (the API's) is covered, not counted.
  {
    Txn txn(store, true);
    txn.put(store.meta_dbi(), "test", "x");
    txn.commit();
  }
  EXPECT_TRUE(store.cover_commits().ok());
  ASSERT_EQ(mdb_env_info(store.env(), &info), 0);
  EXPECT_GE(shared.durable, info.me_last_txnid);
  EXPECT_EQ(shared.own_syncs + shared.covered_by_next, 2u);
}

TEST_F(StoreCoverageTest, DurabilityOsKeepsItsOwnProtocol) {
  CommitCoverage shared;
  Store store(options());  // sync_commits = false: durability=os
  store.share_commit_coverage(&shared);
  unsigned flags = 0;
  ASSERT_EQ(mdb_env_get_flags(store.env(), &flags), 0);
  EXPECT_FALSE(flags & MDB_NOMETASYNC);
  TestCall a("a");
  store_harness::append(store, {&a}, 1000);
  EXPECT_EQ(a.call.result, PendingCall::Result::stored);
  EXPECT_EQ(shared.own_syncs + shared.covered_by_next, 0u);
}

}  // namespace
}  // namespace voxfra
