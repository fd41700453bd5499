// prune_calls against a real LMDB: what goes, what stays, in how many
// transactions, and that a redelivery after pruning is stored again.
#include "store/prune.h"

#include "store/bytes.h"
#include "store/fleet_state.h"
#include "store_harness.h"

namespace voxfra {
namespace {

using namespace store_harness;

constexpr UnixMillis kHour = 3600 * 1000LL;

// Calls "call-<i>" received (and stored) at i hours.
std::vector<std::unique_ptr<TestCall>> store_hourly(Store& store, int count) {
  std::vector<std::unique_ptr<TestCall>> calls;
  for (int i = 0; i < count; ++i) {
    calls.push_back(std::make_unique<TestCall>("call-" + std::to_string(i)));
    calls.back()->call.received_at = i * kHour;
    append(store, {calls.back().get()}, i * kHour);
    EXPECT_EQ(calls.back()->call.result, PendingCall::Result::stored);
  }
  return calls;
}

PruneResult prune(Store& store, UnixMillis before, bool dry_run = false, std::size_t batch = 1000) {
  PruneOptions o;
  o.before = before;
  o.dry_run = dry_run;
  o.batch = batch;
  return prune_calls(store, o);
}

void expect_left(Store& store, std::size_t calls, std::size_t keys) {
  EXPECT_EQ(count_entries(store, store.calls_dbi()), calls);
  EXPECT_EQ(count_entries(store, store.callidx_dbi()), keys);
}

std::vector<std::string> stored_call_ids(Store& store) {
  std::vector<std::string> ids;
  Txn txn(store, false);
  MDB_cursor* cursor = nullptr;
  EXPECT_EQ(mdb_cursor_open(txn.get(), store.calls_dbi(), &cursor), 0);
  MDB_val k, v;
  for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    StoredCall c;
    EXPECT_TRUE(decode_stored_call({static_cast<const char*>(v.mv_data), v.mv_size}, c));
    ids.emplace_back(c.call_id);
  }
  mdb_cursor_close(cursor);
  return ids;
}

TEST_F(StoreTest, PruneDeletesCallsBeforeTheCutAndTheirKeys) {
  Store store(options());
  auto calls = store_hourly(store, 10);
  PruneResult r = prune(store, 4 * kHour);
  EXPECT_EQ(r.calls, 4u);
  EXPECT_EQ(r.keys, 4u);
  EXPECT_GT(r.bytes, 0u);
  EXPECT_EQ(stored_call_ids(store),
            (std::vector<std::string>{"call-4", "call-5", "call-6", "call-7", "call-8", "call-9"}));
  expect_left(store, 6, 6);

  // Within the idempotency window a pruned call is no longer known: a
  // redelivery is stored again (that is what retention means).
  TestCall again("call-1");
  append(store, {&again}, 10 * kHour);
  EXPECT_EQ(again.call.result, PendingCall::Result::stored);
  TestCall kept("call-5");
  append(store, {&kept}, 10 * kHour);
  EXPECT_EQ(kept.call.result, PendingCall::Result::duplicate);
}

// A fleet node (docs/fleet.md): records voxfra-fleet has not shipped stay,
// however old; once the cursor moves past them they go.
TEST_F(StoreTest, PruneKeepsWhatTheFleetDaemonHasNotShipped) {
  Store store(options());
  auto calls = store_hourly(store, 10);
  auto set_cursor = [&](std::uint64_t shipped) {
    Txn txn(store, true);
    fleet_put_u64(txn.get(), store, fleet_key::shipped, shipped);
    txn.commit();
  };
  set_cursor(2);  // records 1 and 2 (call-0, call-1) are in the stream
  PruneResult r = prune(store, 6 * kHour);
  EXPECT_EQ(r.calls, 2u);
  EXPECT_TRUE(r.kept_unshipped);
  EXPECT_EQ(stored_call_ids(store).front(), "call-2");
  set_cursor(10);
  r = prune(store, 6 * kHour);
  EXPECT_EQ(r.calls, 4u);
  EXPECT_FALSE(r.kept_unshipped);
  EXPECT_EQ(stored_call_ids(store).front(), "call-6");
}

TEST_F(StoreTest, PruneDryRunCountsAndDeletesNothing) {
  Store store(options());
  auto calls = store_hourly(store, 5);
  PruneResult r = prune(store, 3 * kHour, true);
  EXPECT_EQ(r.calls, 3u);
  EXPECT_EQ(r.keys, 3u);
  EXPECT_EQ(r.transactions, 0u);
  expect_left(store, 5, 5);
}

TEST_F(StoreTest, PruneWorksInBoundedTransactions) {
  Store store(options());
  auto calls = store_hourly(store, 25);
  PruneResult r = prune(store, 20 * kHour, false, 3);
  EXPECT_EQ(r.calls, 20u);
  // 20 records at 3 a transaction (7), then the index walk (5 entries at 12 a transaction: 1).
  EXPECT_EQ(r.transactions, 8u);
  expect_left(store, 5, 5);
}

TEST_F(StoreTest, PruneKeepsAKeyThatARedeliveryTookOver) {
  Store store(options());
  auto calls = store_hourly(store, 2);
  // call-0 delivered again after the window: stored anew, the key names the new record.
  TestCall again("call-0");
  again.call.received_at = 30 * kHour;
  append(store, {&again}, 30 * kHour);
  ASSERT_EQ(again.call.result, PendingCall::Result::stored);
  PruneResult r = prune(store, 10 * kHour);
  EXPECT_EQ(r.calls, 2u);
  EXPECT_EQ(r.keys, 1u);  // call-1's; call-0's key is the redelivery's
  TestCall third("call-0");
  append(store, {&third}, 31 * kHour);
  EXPECT_EQ(third.call.result, PendingCall::Result::duplicate);
  EXPECT_EQ(third.call.sequence, again.call.sequence);
}

TEST_F(StoreTest, PruneRemovesOrphanKeysStoredBeforeTheCut) {
  Store store(options());
  auto calls = store_hourly(store, 3);
  {
    // An entry whose record is gone, and one that is not ours to judge.
    Txn txn(store, true);
    char value[16];
    bytes::put_u64le(value, 999);
    bytes::put_u64le(value + 8, static_cast<std::uint64_t>(kHour));
    txn.put(store.callidx_dbi(), "orphan", {value, 16});
    txn.put(store.callidx_dbi(), "odd", "xyz");
    txn.commit();
  }
  PruneResult r = prune(store, 2 * kHour);
  EXPECT_EQ(r.calls, 2u);
  EXPECT_EQ(r.keys, 3u);
  Txn txn(store, false);
  EXPECT_FALSE(txn.get(store.callidx_dbi(), "orphan"));
  EXPECT_TRUE(txn.get(store.callidx_dbi(), "odd"));
}

TEST_F(StoreTest, PruneStopsWalkingWellPastTheCut) {
  Store store(options());
  auto calls = store_hourly(store, 3);
  // A record received before the cut but stored after much newer ones is
  // beyond the walk's reach: calls are stored in commit order.
  TestCall late("late");
  late.call.received_at = 0;
  append(store, {&late}, 4 * kHour);
  PruneResult r = prune(store, kHour);
  EXPECT_EQ(r.calls, 1u);  // call-0 only
  EXPECT_EQ(count_entries(store, store.calls_dbi()), 3u);
}

}  // namespace
}  // namespace voxfra
