// The store against a real LMDB environment in a fresh temporary directory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "store/store.h"
#include "store/bytes.h"
#include "store_harness.h"
#include "util/version.h"

namespace voxfra {
namespace {

using namespace store_harness;

TEST_F(StoreTest, CreatesAPrivateEnvironment) {
  Store store(options());
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/env").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((dir_ + "/env/data.mdb").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(store.map_usage().second, 4ull << 30);  // a new environment gets 4 GiB
  EXPECT_TRUE(store.sync().ok());
}

TEST_F(StoreTest, SyncIfWrittenSyncsOnlyAfterACommit) {
  StoreOptions o = options();
  o.sync_commits = false;  // durability=os
  Store store(o);
  bool synced = false;
  ASSERT_TRUE(store.sync_if_written(&synced).ok());
  EXPECT_TRUE(synced) << "the commits that created the databases were never synced";
  ASSERT_TRUE(store.sync_if_written(&synced).ok());
  EXPECT_FALSE(synced) << "synced with nothing committed since";

  TestCall a("sync-a");
  append(store, {&a}, 1'000'000);
  ASSERT_EQ(a.call.result, PendingCall::Result::stored);
  ASSERT_TRUE(store.sync_if_written(&synced).ok());
  EXPECT_TRUE(synced) << "a commit was not synced";
  ASSERT_TRUE(store.sync_if_written(&synced).ok());
  EXPECT_FALSE(synced);

  // A commit by another process (as the CLI's or another worker's) counts
  // too. (LMDB wants one environment handle per process: hence the fork.)
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Store other(o);
    TestCall b("sync-b");
    append(other, {&b}, 1'000'001);
    _exit(b.call.result == PendingCall::Result::stored ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the other process could not append";
  ASSERT_TRUE(store.sync_if_written(&synced).ok());
  EXPECT_TRUE(synced) << "another process's commit was not synced";
}

TEST_F(StoreTest, MissingEnvironmentIsAnErrorWithoutCreate) {
  StoreOptions o = options();
  o.create = false;
  try {
    Store store(o);
    FAIL() << "opened a missing environment";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open LMDB environment \"" + o.path + "\""), std::string::npos)
        << e.what();
  }
  o.read_only = true;
  EXPECT_THROW(Store store(o), StoreError);
  EXPECT_FALSE(std::filesystem::exists(o.path));
}

TEST_F(StoreTest, ReadOnlyOpensAnExistingStore) {
  { Store store(options()); }
  StoreOptions o = options();
  o.create = false;
  o.read_only = true;
  Store store(o);
  EXPECT_EQ(count_entries(store, store.calls_dbi()), 0u);
}

// A store written by a newer release is refused, naming the store's schema
// version, this release and the schema version it reads; never misread.
TEST_F(StoreTest, NewerSchemaIsRefused) {
  const std::uint32_t newer = kSchemaVersion + 1;
  {
    Store store(options());
    Txn txn(store, true);
    char bytes[4];
    bytes::put_u32le(bytes, newer);
    txn.put(store.meta_dbi(), "schema", std::string(bytes, sizeof bytes));
    txn.commit();
  }
  for (bool read_only : {false, true}) {
    StoreOptions o = options();
    o.read_only = read_only;
    try {
      Store store(o);
      ADD_FAILURE() << "opened a newer schema, read_only=" << read_only;
    } catch (const StoreError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("has schema version " + std::to_string(newer)), std::string::npos) << what;
      EXPECT_NE(what.find("this is voxfra " + std::string(voxfra::version())), std::string::npos) << what;
      EXPECT_NE(what.find("reads schema version " + std::to_string(kSchemaVersion)), std::string::npos) << what;
    }
  }
}

// A data file shorter than its last commit (power lost in an unsynced write)
// is refused on open, by writers and readers, instead of SIGBUS on a read.
TEST_F(StoreTest, DataFileShorterThanItsLastCommitIsRefused) {
  {
    Store store(options());
    TestCall a("short-a"), b("short-b");
    append(store, {&a, &b}, 1000);
    ASSERT_EQ(b.call.result, PendingCall::Result::stored);
  }
  const std::string data = dir_ + "/env/data.mdb";
  const auto whole = std::filesystem::file_size(data);
  ASSERT_GT(whole, 2u * 4096u);
  { Store store(options()); }  // whole, it opens
  std::filesystem::resize_file(data, 2 * 4096);  // the two meta pages are left
  for (bool read_only : {false, true}) {
    StoreOptions o = options();
    o.read_only = read_only;
    try {
      Store store(o);
      ADD_FAILURE() << "opened a data file cut short, read_only=" << read_only;
    } catch (const StoreError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("\"" + o.path + "\" is damaged"), std::string::npos) << what;
      EXPECT_NE(what.find("data.mdb holds 2"), std::string::npos) << what;
    }
  }
}

TEST_F(StoreTest, AppendNumbersCallsFromOne) {
  Store store(options());
  TestCall a("a", R"({"callId":"a"})"), b("b"), c("c");
  append(store, {&a, &b}, 1000);
  EXPECT_EQ(a.call.result, PendingCall::Result::stored);
  EXPECT_EQ(a.call.sequence, 1u);
  EXPECT_EQ(b.call.result, PendingCall::Result::stored);
  EXPECT_EQ(b.call.sequence, 2u);
  append(store, {&c}, 1001);
  EXPECT_EQ(c.call.sequence, 3u);  // counts on across transactions
  EXPECT_EQ(count_entries(store, store.calls_dbi()), 3u);
  EXPECT_EQ(count_entries(store, store.callidx_dbi()), 3u);
  EXPECT_EQ(stored_json(store, 1), R"({"id":"0000000000000001","callId":"a"})");
}

TEST_F(StoreTest, DuplicateWithinTheWindowIsNotStoredAgain) {
  Store store(options());
  TestCall first("same"), again("same"), later("same");
  append(store, {&first}, 1000);
  append(store, {&again}, 1000 + kWindow - 1);
  EXPECT_EQ(again.call.result, PendingCall::Result::duplicate);
  EXPECT_EQ(again.call.sequence, first.call.sequence);
  EXPECT_EQ(count_entries(store, store.calls_dbi()), 1u);

  append(store, {&later}, 1000 + kWindow);  // the window has passed
  EXPECT_EQ(later.call.result, PendingCall::Result::stored);
  EXPECT_EQ(later.call.sequence, 2u);
}

TEST_F(StoreTest, DuplicateInsideOneBatch) {
  Store store(options());
  TestCall a("race"), b("race"), c("other");
  append(store, {&a, &b, &c}, 1000);
  EXPECT_EQ(a.call.result, PendingCall::Result::stored);
  EXPECT_EQ(b.call.result, PendingCall::Result::duplicate);
  EXPECT_EQ(b.call.sequence, a.call.sequence);
  EXPECT_EQ(c.call.result, PendingCall::Result::stored);
  EXPECT_EQ(c.call.sequence, 2u);
  EXPECT_EQ(count_entries(store, store.calls_dbi()), 2u);
}

TEST_F(StoreTest, OverlongKeyFailsOnlyItsOwnCall) {
  Store store(options());
  TestCall ok("fine"), bad(std::string(1000, 'x'));
  append(store, {&bad, &ok}, 1000);
  EXPECT_EQ(bad.call.result, PendingCall::Result::failed);
  EXPECT_EQ(ok.call.result, PendingCall::Result::stored);
}

TEST_F(StoreTest, MapFullFailsTheWholeBatchAndWritesNothing) {
  Store store(options(64 * 1024));
  const std::string big = R"({"transcript":")" + std::string(3000, 'x') + R"("})";
  std::vector<std::unique_ptr<TestCall>> calls;
  std::size_t stored = 0;
  StoreStatus error;
  for (int i = 0; i < 100 && error.ok(); ++i) {
    calls.push_back(std::make_unique<TestCall>("single-" + std::to_string(i), big));
    append(store, {calls.back().get()}, 1000);
    if (calls.back()->call.result == PendingCall::Result::stored) ++stored;
    error = calls.back()->call.error;
  }
  ASSERT_EQ(error.kind(), StoreStatus::Kind::map_full);
  ASSERT_GT(stored, 0u);
  EXPECT_EQ(count_entries(store, store.calls_dbi()), stored);

  // A batch that starts with a call that would fit: still all or nothing.
  TestCall small("small"), large("large", big);
  append(store, {&small, &large}, 1000);
  EXPECT_EQ(small.call.result, PendingCall::Result::failed);
  EXPECT_EQ(large.call.result, PendingCall::Result::failed);
  EXPECT_EQ(large.call.error.kind(), StoreStatus::Kind::map_full);
  EXPECT_STREQ(large.call.error.message(), "MDB_MAP_FULL: Environment mapsize limit reached");
  EXPECT_EQ(count_entries(store, store.calls_dbi()), stored);
  EXPECT_EQ(count_entries(store, store.callidx_dbi()), stored);
  auto [used, size] = store.map_usage();
  EXPECT_EQ(size, 64u * 1024);
  EXPECT_LE(used, size);
}

TEST_F(StoreTest, StatsAreAddedUp) {
  Store store(options());
  EndpointStats first;
  first.count(Outcome::accepted, Reason::none, 5000);
  first.count(Outcome::rejected, Reason::bad_signature, 4000);
  EndpointStats second;
  second.count(Outcome::duplicate, Reason::none, 3000);
  second.count(Outcome::rejected, Reason::bad_signature, 3000);
  std::pair<std::string, EndpointStats> delta[] = {{"slug-a", first}, {"slug-b", second}};
  ASSERT_TRUE(store.add_stats(delta, 2).ok());
  delta[0].second = second;
  ASSERT_TRUE(store.add_stats(delta, 1).ok());

  Txn txn(store, false);
  auto bytes = txn.get(store.stats_dbi(), "slug-a");
  ASSERT_TRUE(bytes);
  EndpointStats total;
  ASSERT_TRUE(decode_stats(*bytes, total));
  EXPECT_EQ(total.requests, 4u);
  EXPECT_EQ(total.accepted, 1u);
  EXPECT_EQ(total.duplicate, 1u);
  EXPECT_EQ(total.rejected, 2u);
  EXPECT_EQ(total.rejected_by[static_cast<std::size_t>(Reason::bad_signature)], 2u);
  EXPECT_EQ(total.last_used_at, 5000);  // the later time stays
}

TEST_F(StoreTest, StatsCodecRoundTripsAndRejectsTruncation) {
  EndpointStats s;
  s.count(Outcome::ignored, Reason::none, 77);
  s.count(Outcome::rejected, Reason::rate_limited, 78);
  std::string bytes = encode_stats(s);
  EndpointStats out;
  ASSERT_TRUE(decode_stats(bytes, out));
  EXPECT_EQ(out.requests, 2u);
  EXPECT_EQ(out.ignored, 1u);
  EXPECT_EQ(out.rejected_by[static_cast<std::size_t>(Reason::rate_limited)], 1u);
  EXPECT_EQ(out.last_used_at, 78);
  EXPECT_FALSE(decode_stats(std::string_view(bytes.data(), bytes.size() - 1), out));
}

TEST_F(StoreTest, ReaderSeesACommitMadeAfterItsLastRelease) {
  Store store(options());
  StoreReader reader(store);
  EndpointView view;
  EXPECT_FALSE(reader.find_endpoint("slug-1", view));
  EXPECT_FALSE(reader.find_endpoint("", view));
  reader.release();

  Endpoint e;
  e.id = "ep_1";
  e.org = "acme";
  e.client = "dental";
  e.provider = Provider::vapi;
  {
    Txn txn(store, true);
    txn.put(store.endpoints_dbi(), "slug-1", encode_endpoint(e));
    txn.commit();
  }
  ASSERT_TRUE(reader.find_endpoint("slug-1", view));
  EXPECT_EQ(view.id, "ep_1");
  EXPECT_EQ(view.provider, Provider::vapi);
  reader.release();
  reader.release();  // harmless twice
}

TEST_F(StoreTest, TxnAbortsUnlessCommitted) {
  Store store(options());
  {
    Txn txn(store, true);
    txn.put(store.endpoints_dbi(), "k", "v");
  }
  Txn txn(store, true);
  EXPECT_FALSE(txn.get(store.endpoints_dbi(), "k"));
  txn.put(store.endpoints_dbi(), "k", "v");
  EXPECT_EQ(txn.get(store.endpoints_dbi(), "k"), "v");
  EXPECT_TRUE(txn.del(store.endpoints_dbi(), "k"));
  EXPECT_FALSE(txn.del(store.endpoints_dbi(), "k"));
  txn.commit();
}

}  // namespace
}  // namespace voxfra
