// The store's tests' fixture: a real LMDB environment in a fresh temporary
// directory, and calls that own the bytes their PendingCall views.
#pragma once
#include <lmdb.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace voxfra::store_harness {

constexpr std::int64_t kWindow = 24 * 3600 * 1000LL;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/voxfra-store-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  StoreOptions options(std::uint64_t map_size = 0) const {
    StoreOptions o;
    o.path = dir_ + "/env";
    o.map_size = map_size;
    o.sync_commits = false;  // tests need no fsync
    return o;
  }
  // The same environment opened as the CLI's read-only commands open it.
  StoreOptions read_only_options() const {
    StoreOptions o = options();
    o.create = false;
    o.read_only = true;
    return o;
  }

  std::string dir_;
};

// The same, with the environment open as a writer in `store_` for each test
// (closed before the directory goes).
class OpenStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_ = std::make_unique<Store>(options());
  }
  void TearDown() override {
    store_.reset();
    StoreTest::TearDown();
  }

  std::unique_ptr<Store> store_;
};

// A call owning the bytes its PendingCall views point at.
struct TestCall {
  explicit TestCall(std::string call_id, std::string json = R"({"callId":"x"})")
      : id(std::move(call_id)), record(std::move(json)) {
    make_idempotency_key(key, "acme", "dental", Provider::custom, id, "call.ended");
    call.idempotency_key = key;
    call.record_json = record;
    call.provider = Provider::custom;
    call.org = "acme";
    call.client = "dental";
    call.call_id = id;
    call.event = "call.ended";
  }
  std::string id, record, key;
  PendingCall call;
};

inline void append(Store& store, std::vector<TestCall*> batch, UnixMillis now) {
  std::vector<PendingCall*> calls;
  for (TestCall* c : batch) calls.push_back(&c->call);
  store.append_calls(calls.data(), calls.size(), now, kWindow);
}

inline std::size_t count_entries(Store& store, MDB_dbi dbi) {
  Txn txn(store, false);
  MDB_stat st;
  EXPECT_EQ(mdb_stat(txn.get(), dbi, &st), 0);
  return st.ms_entries;
}

inline std::string stored_json(Store& store, std::uint64_t sequence) {
  char key[8];
  for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(sequence >> (8 * (7 - i)));
  Txn txn(store, false);
  auto bytes = txn.get(store.calls_dbi(), {key, 8});
  if (!bytes) return "";
  StoredCall call;
  EXPECT_TRUE(decode_stored_call(*bytes, call));
  return std::string(call.json);
}

}  // namespace voxfra::store_harness
