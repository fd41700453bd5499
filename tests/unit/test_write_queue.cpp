// The write queue (group commit): batches, their windows, completion, the
// one retry after the map grew, and batches that cannot start. The host is
// the test; the pool thread's write is played by setting each call's result,
// except where a real store times the commit.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <string>
#include <vector>

#include "ingest/write_queue.h"
#include "store_harness.h"

namespace voxfra {
namespace {

class TestHost final : public WriteQueue::Host {
 public:
  bool store = true;
  bool pool_full = false;
  bool remap_waits = false;
  bool map_grows = false;
  int batches_started = 0;
  int grow_asked = 0;
  std::vector<std::size_t> batch_sizes;
  std::vector<std::uint64_t> commit_micros;
  std::vector<std::string> finished;  // request names, in order

  bool start_batch() override {
    if (pool_full) return false;
    ++batches_started;
    return true;
  }
  bool has_store() override { return store; }
  bool remap_pending() override { return remap_waits; }
  bool grow_map() override {
    ++grow_asked;
    return map_grows;
  }
  void batch_finished(PendingCall* const*, std::size_t count, std::uint64_t micros) override {
    batch_sizes.push_back(count);
    commit_micros.push_back(micros);
  }
  void finish(void* request, PendingCall&) override { finished.push_back(*static_cast<std::string*>(request)); }
};

struct Call {
  explicit Call(std::string n) : name(std::move(n)) {}
  std::string name;
  PendingCall call;
};

using Names = std::vector<std::string>;

// What the pool thread's commit leaves in each call of the batch in flight.
void commit(std::vector<Call*> calls, PendingCall::Result result, StoreStatus error = {}) {
  for (Call* c : calls) {
    c->call.result = result;
    c->call.error = error;
  }
}

TEST(WriteQueue, CallsPostedWhileABatchIsInFlightGoTogetherInTheNext) {
  TestHost host;
  WriteQueue q(host);
  Call a("a"), b("b"), c("c");
  q.post(&a.call, 1000, &a.name);
  q.pump();
  EXPECT_EQ(host.batches_started, 1);
  EXPECT_TRUE(q.in_flight());
  q.post(&b.call, 1000, &b.name);
  q.post(&c.call, 1000, &c.name);
  q.pump();
  EXPECT_EQ(host.batches_started, 1);  // one commit at a time
  commit({&a}, PendingCall::Result::stored);
  q.batch_done();
  EXPECT_EQ(host.finished, (Names{"a"}));
  EXPECT_FALSE(q.idle());
  q.pump();
  EXPECT_EQ(host.batches_started, 2);
  commit({&b, &c}, PendingCall::Result::stored);
  q.batch_done();
  EXPECT_EQ(host.batch_sizes, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(host.finished, (Names{"a", "b", "c"}));
  EXPECT_TRUE(q.idle());
}

TEST(WriteQueue, ABatchHoldsTheCallsThatShareTheFirstOnesWindow) {
  TestHost host;
  WriteQueue q(host);
  Call a("a"), b("b"), c("c"), d("d");
  q.post(&a.call, 1000, &a.name);
  q.post(&b.call, 1000, &b.name);
  q.post(&c.call, 2000, &c.name);
  q.post(&d.call, 1000, &d.name);
  for (int i = 0; i < 3; ++i) {
    q.pump();
    q.batch_done();
  }
  EXPECT_EQ(host.batch_sizes, (std::vector<std::size_t>{2, 1, 1}));
  EXPECT_EQ(host.finished, (Names{"a", "b", "c", "d"}));
  EXPECT_TRUE(q.idle());
}

TEST(WriteQueue, ABatchTheMapWasTooSmallForIsTriedOnceMoreAfterTheMapGrew) {
  TestHost host;
  host.map_grows = true;
  WriteQueue q(host);
  Call a("a");
  q.post(&a.call, 1000, &a.name);
  q.pump();
  commit({&a}, PendingCall::Result::failed, StoreStatus::from_code(MDB_MAP_FULL));
  ASSERT_EQ(a.call.error.kind(), StoreStatus::Kind::map_full);
  q.batch_done();
  EXPECT_EQ(host.grow_asked, 1);
  EXPECT_EQ(host.batches_started, 2);  // the same batch again
  EXPECT_TRUE(host.finished.empty());
  EXPECT_TRUE(q.in_flight());

  // Failing again, it is answered: one retry only.
  q.batch_done();
  EXPECT_EQ(host.grow_asked, 1);
  EXPECT_EQ(host.finished, (Names{"a"}));
  EXPECT_EQ(a.call.result, PendingCall::Result::failed);
  EXPECT_TRUE(q.idle());
}

TEST(WriteQueue, NoRetryWhenTheMapDidNotGrowOrTheErrorIsAnother) {
  TestHost host;
  WriteQueue q(host);
  Call a("a"), b("b");
  q.post(&a.call, 1000, &a.name);
  q.pump();
  commit({&a}, PendingCall::Result::failed, StoreStatus::from_code(MDB_MAP_RESIZED));
  ASSERT_EQ(a.call.error.kind(), StoreStatus::Kind::map_resized);
  q.batch_done();
  EXPECT_EQ(host.grow_asked, 1);
  EXPECT_EQ(host.finished, (Names{"a"}));

  host.map_grows = true;
  q.post(&b.call, 1000, &b.name);
  q.pump();
  commit({&b}, PendingCall::Result::failed, StoreStatus::io_error());
  q.batch_done();
  EXPECT_EQ(host.grow_asked, 1);
  EXPECT_EQ(host.finished, (Names{"a", "b"}));
}

TEST(WriteQueue, WithThePoolsQueueFullEveryBatchFailsAtOnceAsBusy) {
  TestHost host;
  host.pool_full = true;
  WriteQueue q(host);
  Call a("a"), b("b"), c("c");
  q.post(&a.call, 1000, &a.name);
  q.post(&b.call, 1000, &b.name);
  q.post(&c.call, 2000, &c.name);
  q.pump();
  EXPECT_EQ(host.finished, (Names{"a", "b", "c"}));
  EXPECT_EQ(host.batch_sizes, (std::vector<std::size_t>{2, 1}));
  for (Call* x : {&a, &b, &c}) {
    EXPECT_EQ(x->call.result, PendingCall::Result::failed);
    EXPECT_EQ(x->call.error.kind(), StoreStatus::Kind::busy);
  }
  EXPECT_EQ(host.grow_asked, 0);
  EXPECT_TRUE(q.idle());
}

TEST(WriteQueue, WithoutAStoreEveryCallFailsAsIO) {
  TestHost host;
  host.store = false;
  WriteQueue q(host);
  Call a("a");
  q.post(&a.call, 1000, &a.name);
  q.pump();
  EXPECT_EQ(host.batches_started, 0);
  EXPECT_EQ(a.call.error.kind(), StoreStatus::Kind::io);
  EXPECT_EQ(host.finished, (Names{"a"}));
}

TEST(WriteQueue, NoBatchStartsWhileARemapWaits) {
  TestHost host;
  host.remap_waits = true;
  WriteQueue q(host);
  Call a("a");
  q.post(&a.call, 1000, &a.name);
  q.pump();
  EXPECT_EQ(host.batches_started, 0);
  EXPECT_TRUE(host.finished.empty());
  host.remap_waits = false;
  q.pump();
  EXPECT_EQ(host.batches_started, 1);
}

using store_harness::kWindow;
using store_harness::TestCall;
class WriteQueueStoreTest : public store_harness::StoreTest {};

// voxfra_store_commit_duration_seconds: a batch that reached the store
// reports the time it spent there; one that failed before it, none.
TEST_F(WriteQueueStoreTest, AWrittenBatchReportsItsTimeInTheStoreAndAFailedOneNone) {
  StoreOptions o = options();
  o.sync_commits = true;  // a synced commit is never under a microsecond
  Store store(o);
  TestHost host;
  WriteQueue q(host);
  TestCall a("commit-time-a"), b("commit-time-b");
  std::string a_name = "a", b_name = "b";
  q.post(&a.call, kWindow, &a_name);
  q.pump();
  q.write(store);
  q.batch_done();
  EXPECT_EQ(a.call.result, PendingCall::Result::stored);
  host.pool_full = true;
  q.post(&b.call, kWindow, &b_name);
  q.pump();
  EXPECT_EQ(b.call.result, PendingCall::Result::failed);
  ASSERT_EQ(host.commit_micros.size(), 2u);
  EXPECT_GT(host.commit_micros[0], 0u);
  EXPECT_EQ(host.commit_micros[1], 0u);
}

}  // namespace
}  // namespace voxfra
