// Growing the map while another process holds the environment open: what
// `voxfra store resize` does, and what a worker does when its map is full.
// The other process is a forked child (LMDB forbids opening one environment
// twice in one process).
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "store_harness.h"

namespace voxfra {
namespace {

using namespace store_harness;

constexpr std::uint64_t kSmall = 1ull << 20;
constexpr std::uint64_t kLarge = 8ull << 20;

// Runs `body` in a forked child with its own Store on `o`; true when it
// returned true.
bool in_other_process(const StoreOptions& o, const std::function<bool(Store&)>& body) {
  pid_t pid = fork();
  if (pid == 0) {
    bool ok = false;
    try {
      Store store(o);
      ok = body(store);
    } catch (...) {
    }
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Appends 20 KB calls until one fails; returns the LMDB code.
int fill(Store& store, const std::string& prefix, int max_calls = 1000) {
  for (int i = 0; i < max_calls; ++i) {
    TestCall c(prefix + std::to_string(i), "{\"t\":\"" + std::string(20000, 'x') + "\"}");
    append(store, {&c}, 1000 + i);
    if (c.call.result != PendingCall::Result::stored) return c.call.error.code();
  }
  return 0;
}

TEST_F(StoreTest, GrowMapPersistsTheSizeForTheNextOpening) {
  { Store store(options(kSmall)); }
  {
    Store store(options());
    EXPECT_EQ(store.map_usage().second, kSmall);
    store.grow_map(kLarge);
    EXPECT_EQ(store.map_usage().second, kLarge);
  }
  Store store(options());
  EXPECT_EQ(store.map_usage().second, kLarge);
}

TEST_F(StoreTest, GrowMapRefusesToShrink) {
  Store store(options(kLarge));
  EXPECT_THROW(store.grow_map(kSmall), StoreError);
  EXPECT_THROW(store.grow_map(kLarge), StoreError);
  EXPECT_EQ(store.map_usage().second, kLarge);
}

TEST_F(StoreTest, AFullMapTakesTheSizeAnotherProcessSet) {
  Store worker(options(kSmall));
  ASSERT_EQ(fill(worker, "a"), MDB_MAP_FULL);
  bool grew = true;
  // Nothing changed yet: the map stays as it is.
  ASSERT_TRUE(worker.adopt_map_size(grew).ok());
  EXPECT_FALSE(grew);
  EXPECT_EQ(worker.map_usage().second, kSmall);

  ASSERT_TRUE(in_other_process(options(), [](Store& cli) {
    cli.grow_map(kLarge);
    return true;
  }));
  ASSERT_TRUE(worker.adopt_map_size(grew).ok());
  EXPECT_TRUE(grew);
  EXPECT_EQ(worker.map_usage().second, kLarge);
  TestCall c("after", "{\"t\":\"" + std::string(20000, 'x') + "\"}");
  append(worker, {&c}, 5000);
  EXPECT_EQ(c.call.result, PendingCall::Result::stored);
}

TEST_F(StoreTest, AWriteBeyondOurMapIsMapResizedUntilAdopted) {
  Store worker(options(kSmall));
  StoreReader reader(worker);
  ASSERT_TRUE(in_other_process(options(), [](Store& other) {
    other.grow_map(kLarge);
    return fill(other, "b", 200) == 0;  // 4 MB: past the worker's map
  }));
  EndpointView view;
  try {
    reader.find_endpoint("slug", view);
    FAIL() << "the reader renewed inside a map smaller than the data";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.status().kind(), StoreStatus::Kind::map_resized) << e.what();
  }
  TestCall c("c", "{}");
  append(worker, {&c}, 9000);
  EXPECT_EQ(c.call.error.kind(), StoreStatus::Kind::map_resized);

  bool grew = false;
  ASSERT_TRUE(worker.adopt_map_size(grew).ok());  // the reader is reset: allowed
  EXPECT_TRUE(grew);
  EXPECT_FALSE(reader.find_endpoint("slug", view));
  reader.release();
  append(worker, {&c}, 9001);
  EXPECT_EQ(c.call.result, PendingCall::Result::stored);
  EXPECT_EQ(count_entries(worker, worker.calls_dbi()), 201u);
}

TEST_F(StoreTest, AdoptingNeverShrinksALargerConfiguredMap) {
  { Store store(options(kSmall)); }
  Store worker(options(kLarge));  // size= in nginx.conf larger than anything committed
  bool grew = true;
  ASSERT_TRUE(worker.adopt_map_size(grew).ok());
  EXPECT_FALSE(grew);
  EXPECT_EQ(worker.map_usage().second, kLarge);
}

}  // namespace
}  // namespace voxfra
