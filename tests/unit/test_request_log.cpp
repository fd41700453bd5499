// The request history: its codec, the per-worker ring, and the `reqlog`
// database bounded per endpoint, against a real LMDB environment.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ingest/request_log_buffer.h"
#include "store/request_log.h"
#include "store/store.h"
#include "store_harness.h"

namespace voxfra {
namespace {

RequestLogEntry entry(std::string_view endpoint, int n) {
  RequestLogEntry e;
  e.at_micros = 1'700'000'000'000'000 + n;
  e.latency_micros = static_cast<std::uint32_t>(n * 10);
  e.http_status = n % 2 ? 200 : 401;
  e.outcome = n % 2 ? Outcome::accepted : Outcome::rejected;
  e.reason = n % 2 ? Reason::none : Reason::bad_signature;
  e.provider = static_cast<std::uint8_t>(Provider::vapi);
  e.set_endpoint_id(endpoint);
  e.set_request_id("req-" + std::to_string(n));
  e.set_call_id(n % 2 ? "call-" + std::to_string(n) : "");
  return e;
}

int number_of(const RequestLogEntry& e) { return static_cast<int>(e.at_micros - 1'700'000'000'000'000); }

TEST(RequestLogEntry, RoundTripsThroughTheCodec) {
  RequestLogEntry e = entry("ep_1", 7), back;
  ASSERT_TRUE(decode_request_log_entry(encode_request_log_entry(e), back));
  EXPECT_EQ(back.at_micros, e.at_micros);
  EXPECT_EQ(back.latency_micros, 70u);
  EXPECT_EQ(back.http_status, 200);
  EXPECT_EQ(back.outcome, Outcome::accepted);
  EXPECT_EQ(back.reason, Reason::none);
  EXPECT_EQ(back.provider, static_cast<std::uint8_t>(Provider::vapi));
  EXPECT_EQ(back.request_id(), "req-7");
  EXPECT_EQ(back.call_id(), "call-7");
}

TEST(RequestLogEntry, RefusesTruncatedOrForeignBytes) {
  std::string bytes = encode_request_log_entry(entry("ep_1", 7));
  RequestLogEntry out;
  for (std::size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(decode_request_log_entry(bytes.substr(0, n), out)) << n;
  bytes[0] = 2;  // another version
  EXPECT_FALSE(decode_request_log_entry(bytes, out));
}

TEST(RequestLogEntry, CutsLongIdsToTheirArrays) {
  RequestLogEntry e;
  e.set_call_id(std::string(1000, 'c'));
  e.set_endpoint_id(std::string(100, 'e'));
  EXPECT_EQ(e.call_id().size(), RequestLogEntry::kMaxCallId);
  EXPECT_EQ(e.endpoint_id().size(), RequestLogEntry::kMaxEndpointId);
}

TEST(RequestLogBuffer, KeepsTheNewestAndCountsWhatItDrops) {
  RequestLogBuffer buffer(4);
  std::vector<RequestLogEntry> out;
  out.reserve(buffer.capacity());
  for (int n = 1; n <= 10; ++n) buffer.push() = entry("ep_1", n);
  EXPECT_EQ(buffer.size(), 4u);
  EXPECT_EQ(buffer.take_dropped(), 6u);
  EXPECT_EQ(buffer.take_dropped(), 0u);
  const auto* storage = out.data();
  buffer.take(out);
  EXPECT_EQ(out.data(), storage);  // no allocation
  ASSERT_EQ(out.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(number_of(out[static_cast<std::size_t>(i)]), 7 + i);  // oldest first
  EXPECT_TRUE(buffer.empty());
  buffer.push() = entry("ep_1", 11);  // the ring starts again after a take
  buffer.take(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(number_of(out[0]), 11);
}

class RequestLogStoreTest : public store_harness::OpenStoreTest {
 protected:
  void append(std::string_view endpoint, int from, int to, std::size_t keep) {
    std::vector<RequestLogEntry> batch;
    for (int n = from; n <= to; ++n) batch.push_back(entry(endpoint, n));
    ASSERT_TRUE(store_->append_request_log(batch.data(), batch.size(), keep).ok());
  }
  std::vector<int> read(std::string_view endpoint, std::size_t limit = 1000) {
    Txn txn(*store_, false);
    std::vector<int> numbers;
    for (const RequestLogEntry& e : read_request_log(txn, *store_, endpoint, limit)) {
      EXPECT_EQ(e.endpoint_id(), endpoint);
      numbers.push_back(number_of(e));
    }
    return numbers;
  }
  std::size_t stored_entries() {
    Txn txn(*store_, false);
    MDB_stat st;
    EXPECT_EQ(mdb_stat(txn.get(), store_->reqlog_dbi(), &st), 0);
    return st.ms_entries;
  }

};

TEST_F(RequestLogStoreTest, NewestFirstUpToTheLimit) {
  append("ep_a", 1, 5, 100);
  EXPECT_EQ(read("ep_a"), (std::vector<int>{5, 4, 3, 2, 1}));
  EXPECT_EQ(read("ep_a", 2), (std::vector<int>{5, 4}));
  EXPECT_TRUE(read("ep_none").empty());
}

TEST_F(RequestLogStoreTest, WrapsAroundAtTheBoundAcrossBatches) {
  for (int batch = 0; batch < 7; ++batch) append("ep_a", batch * 3 + 1, batch * 3 + 3, 5);
  EXPECT_EQ(read("ep_a"), (std::vector<int>{21, 20, 19, 18, 17}));
  EXPECT_EQ(stored_entries(), 5u + 1);  // and the endpoint's count
}

TEST_F(RequestLogStoreTest, ABatchLargerThanTheBoundKeepsItsNewest) {
  append("ep_a", 1, 1000, 10);
  EXPECT_EQ(read("ep_a"), (std::vector<int>{1000, 999, 998, 997, 996, 995, 994, 993, 992, 991}));
  EXPECT_EQ(stored_entries(), 10u + 1);
}

TEST_F(RequestLogStoreTest, EndpointsAreBoundedAndReadApart) {
  std::vector<RequestLogEntry> batch;
  for (int n = 1; n <= 12; ++n) batch.push_back(entry(n % 3 ? "ep_a" : "ep_b", n));
  // An endpoint id that is a prefix of another does not see its entries.
  batch.push_back(entry("ep_a2", 13));
  ASSERT_TRUE(store_->append_request_log(batch.data(), batch.size(), 3).ok());
  EXPECT_EQ(read("ep_a"), (std::vector<int>{11, 10, 8}));
  EXPECT_EQ(read("ep_b"), (std::vector<int>{12, 9, 6}));
  EXPECT_EQ(read("ep_a2"), (std::vector<int>{13}));
  EXPECT_EQ(stored_entries(), 7u + 3);
}

TEST_F(RequestLogStoreTest, OrderedByTimeWhicheverWorkerFlushesFirst) {
  append("ep_a", 10, 12, 4);  // one worker's second
  append("ep_a", 7, 9, 4);    // another's, older, flushed later
  EXPECT_EQ(read("ep_a"), (std::vector<int>{12, 11, 10, 9}));
  append("ep_a", 1, 1, 4);  // older than all it keeps: falls out at once
  EXPECT_EQ(read("ep_a"), (std::vector<int>{12, 11, 10, 9}));
  EXPECT_EQ(stored_entries(), 4u + 1);
}

TEST_F(RequestLogStoreTest, TheSameMicrosecondTwiceKeepsBoth) {
  std::vector<RequestLogEntry> batch = {entry("ep_a", 5), entry("ep_a", 5)};
  batch[1].set_request_id("other");
  ASSERT_TRUE(store_->append_request_log(batch.data(), batch.size(), 10).ok());
  Txn txn(*store_, false);
  auto entries = read_request_log(txn, *store_, "ep_a", 10);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].request_id(), "other");  // the later tie-breaker is newer
  EXPECT_EQ(entries[1].request_id(), "req-5");
}

TEST_F(RequestLogStoreTest, ASmallerBoundTrimsOnTheNextWrite) {
  append("ep_a", 1, 20, 20);
  append("ep_a", 21, 21, 4);
  EXPECT_EQ(read("ep_a"), (std::vector<int>{21, 20, 19, 18}));
}

TEST_F(RequestLogStoreTest, AnOlderEnvironmentGainsTheDatabaseFromAWriter) {
  {  // make the environment look like one from before the history
    Txn txn(*store_, true);
    ASSERT_EQ(mdb_drop(txn.get(), store_->reqlog_dbi(), 1), 0);
    txn.commit();
  }
  store_.reset();
  {
    Store reader(read_only_options());
    EXPECT_FALSE(reader.has_request_log());
    Txn txn(reader, false);
    EXPECT_TRUE(read_request_log(txn, reader, "ep_a", 10).empty());
  }
  store_ = std::make_unique<Store>(options());
  EXPECT_TRUE(store_->has_request_log());
  append("ep_a", 1, 2, 10);
  EXPECT_EQ(read("ep_a"), (std::vector<int>{2, 1}));
}

}  // namespace
}  // namespace voxfra
