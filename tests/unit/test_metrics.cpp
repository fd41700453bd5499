// The counters over a plain block and the Prometheus text they become.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <cerrno>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/counters.h"
#include "metrics/prometheus.h"

namespace voxfra::metrics {
namespace {

// An aligned block, as a zone's slab gives one.
struct Block {
  std::vector<std::uint64_t> words = std::vector<std::uint64_t>(Counters::kBlockSize / 8 + 1);
  void* data() { return words.data(); }
};

// "name{labels}" -> value, for every sample line of a page.
std::map<std::string, std::string> samples(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

// Every sample `want` names has the value it gives.
void expect_samples(const std::string& text, std::initializer_list<std::pair<std::string, std::string>> want) {
  auto s = samples(text);
  for (const auto& [name, value] : want) {
    auto it = s.find(name);
    ASSERT_NE(it, s.end()) << name;
    EXPECT_EQ(it->second, value) << name;
  }
}

RequestSample sample(std::string_view provider, Outcome o, Reason r, std::uint64_t micros) {
  RequestSample s;
  s.provider = provider;
  s.outcome = o;
  s.reason = r;
  s.duration_micros = micros;
  return s;
}

TEST(Counters, FormatRefusesSmallOrMisalignedBlocks) {
  Block b;
  EXPECT_EQ(Counters::format(b.data(), Counters::kBlockSize - 1), nullptr);
  EXPECT_EQ(Counters::format(static_cast<char*>(b.data()) + 1, Counters::kBlockSize), nullptr);
  EXPECT_NE(Counters::format(b.data(), Counters::kBlockSize), nullptr);
}

TEST(Counters, AttachSeesWhatAnotherHandleCounted) {
  Block b;
  EXPECT_EQ(Counters::attach(b.data()), nullptr);  // not formatted yet
  Counters* writer = Counters::format(b.data(), Counters::kBlockSize);
  writer->count_request(sample("vapi", Outcome::accepted, Reason::none, 100));
  Counters* reader = Counters::attach(b.data());
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->snapshot().requests[provider_slot("vapi")][0], 1u);
}

TEST(Counters, CountsByProviderOutcomeAndReason) {
  Block b;
  Counters* c = Counters::format(b.data(), Counters::kBlockSize);
  c->count_request(sample("retell", Outcome::accepted, Reason::none, 10));
  c->count_request(sample("retell", Outcome::duplicate, Reason::none, 10));
  c->count_request(sample("nope", Outcome::rejected, Reason::not_found, 10));
  c->count_request(sample("", Outcome::rejected, Reason::method_not_allowed, 10));
  Snapshot s = c->snapshot();
  EXPECT_EQ(s.requests[provider_slot("retell")][static_cast<int>(Outcome::accepted)], 1u);
  EXPECT_EQ(s.requests[provider_slot("retell")][static_cast<int>(Outcome::duplicate)], 1u);
  EXPECT_EQ(s.requests[0][static_cast<int>(Outcome::rejected)], 2u);  // unknown providers share slot 0
  EXPECT_EQ(s.rejections[static_cast<int>(Reason::not_found)], 1u);
  EXPECT_EQ(s.rejections[static_cast<int>(Reason::method_not_allowed)], 1u);
  EXPECT_EQ(s.rejections[static_cast<int>(Reason::none)], 0u);  // accepted ones are no rejection
}

TEST(Counters, DurationBucketsIncludeTheirUpperBound) {
  Block b;
  Counters* c = Counters::format(b.data(), Counters::kBlockSize);
  c->count_request(sample("vapi", Outcome::accepted, Reason::none, 500));      // le 0.0005
  c->count_request(sample("vapi", Outcome::accepted, Reason::none, 501));      // le 0.001
  c->count_request(sample("vapi", Outcome::accepted, Reason::none, 99000000));  // +Inf
  Snapshot s = c->snapshot();
  EXPECT_EQ(s.duration_counts[0], 1u);
  EXPECT_EQ(s.duration_counts[1], 1u);
  EXPECT_EQ(s.duration_counts[kDurationBuckets], 1u);
  EXPECT_EQ(s.duration_sum_micros, 500u + 501u + 99000000u);
}

TEST(Counters, StorageErrorsByCause) {
  EXPECT_EQ(classify_storage_error(MDB_MAP_FULL), StorageFailure::map_full);
  EXPECT_EQ(classify_storage_error(ENOSPC), StorageFailure::no_space);
  EXPECT_EQ(classify_storage_error(EIO), StorageFailure::io);
  EXPECT_EQ(classify_storage_error(EAGAIN), StorageFailure::queue_full);
  EXPECT_EQ(classify_storage_error(MDB_BAD_VALSIZE), StorageFailure::other);
  EXPECT_EQ(storage_failure_name(StorageFailure::map_full), "map_full");
}

class PageTest : public ::testing::Test {
 protected:
  void SetUp() override { c_ = Counters::format(b_.data(), Counters::kBlockSize); }
  std::string text() {
    page_.counters = c_->snapshot();
    return write_prometheus(page_);
  }
  Block b_;
  Counters* c_ = nullptr;
  Page page_;
};

TEST_F(PageTest, EveryFamilyHasHelpAndTypeOnce) {
  std::string t = text();
  for (std::string family : {"voxfra_requests_total", "voxfra_rejections_total", "voxfra_duplicates_total",
                             "voxfra_rate_limited_total", "voxfra_signature_failures_total",
                             "voxfra_ingest_duration_seconds", "voxfra_records_stored_total",
                             "voxfra_storage_failures_total", "voxfra_commit_batch_size", "voxfra_store_commit_duration_seconds",
                             "voxfra_request_log_dropped_total", "voxfra_zone_used_bytes", "voxfra_zone_size_bytes"}) {
    std::string help = "# HELP " + family + " ", type = "# TYPE " + family + " ";
    auto at = t.find(help);
    ASSERT_NE(at, std::string::npos) << family;
    EXPECT_EQ(t.find(help, at + 1), std::string::npos) << family;
    EXPECT_NE(t.find(type), std::string::npos) << family;
  }
  EXPECT_EQ(t.back(), '\n');
}

TEST_F(PageTest, ZerosArePresentForEverySeries) {
  expect_samples(text(), {
      {R"(voxfra_requests_total{provider="elevenlabs",outcome="ignored"})", "0"},
      {R"(voxfra_requests_total{provider="unknown",outcome="rejected"})", "0"},
      {R"(voxfra_rejections_total{reason="bad_signature"})", "0"},
      {R"(voxfra_storage_failures_total{error="map_full"})", "0"},
  });
  EXPECT_EQ(samples(text()).count(R"(voxfra_rejections_total{reason=""})"), 0u);  // no series for "no reason"
}

TEST_F(PageTest, NamedCountsMatchTheLabelledOnes) {
  c_->count_request(sample("vapi", Outcome::duplicate, Reason::none, 1));
  c_->count_request(sample("bland", Outcome::duplicate, Reason::none, 1));
  c_->count_request(sample("bland", Outcome::rejected, Reason::rate_limited, 1));
  c_->count_request(sample("bland", Outcome::rejected, Reason::bad_signature, 1));
  c_->count_request(sample("bland", Outcome::rejected, Reason::bad_signature, 1));
  expect_samples(text(), {
      {"voxfra_duplicates_total", "2"},
      {"voxfra_rate_limited_total", "1"},
      {"voxfra_signature_failures_total", "2"},
      {R"(voxfra_requests_total{provider="bland",outcome="rejected"})", "3"},
      {R"(voxfra_rejections_total{reason="bad_signature"})", "2"},
  });
}

TEST_F(PageTest, HistogramsAreCumulativeWithSumAndCount) {
  for (std::uint64_t micros : {100u, 700u, 700u, 3000u, 20000000u}) {
    c_->count_request(sample("vapi", Outcome::accepted, Reason::none, micros));
  }
  c_->count_batch(1);
  c_->count_batch(3);
  c_->count_batch(1000);
  for (std::uint64_t micros : {80u, 400u, 2000u, 2000000u}) c_->count_commit_duration(micros);
  expect_samples(text(), {
      {R"(voxfra_ingest_duration_seconds_bucket{le="0.0005"})", "1"},
      {R"(voxfra_ingest_duration_seconds_bucket{le="0.001"})", "3"},
      {R"(voxfra_ingest_duration_seconds_bucket{le="0.005"})", "4"},
      {R"(voxfra_ingest_duration_seconds_bucket{le="10"})", "4"},
      {R"(voxfra_ingest_duration_seconds_bucket{le="+Inf"})", "5"},
      {"voxfra_ingest_duration_seconds_count", "5"},
      {"voxfra_ingest_duration_seconds_sum", "20.004500"},
      {R"(voxfra_commit_batch_size_bucket{le="1"})", "1"},
      {R"(voxfra_commit_batch_size_bucket{le="4"})", "2"},
      {R"(voxfra_commit_batch_size_bucket{le="512"})", "2"},
      {R"(voxfra_commit_batch_size_bucket{le="+Inf"})", "3"},
      {"voxfra_commit_batch_size_sum", "1004"},
      {"voxfra_commit_batch_size_count", "3"},
      {R"(voxfra_store_commit_duration_seconds_bucket{le="0.0001"})", "1"},
      {R"(voxfra_store_commit_duration_seconds_bucket{le="0.0005"})", "2"},
      {R"(voxfra_store_commit_duration_seconds_bucket{le="0.0025"})", "3"},
      {R"(voxfra_store_commit_duration_seconds_bucket{le="1"})", "3"},
      {R"(voxfra_store_commit_duration_seconds_bucket{le="+Inf"})", "4"},
      {"voxfra_store_commit_duration_seconds_count", "4"},
      {"voxfra_store_commit_duration_seconds_sum", "2.002480"},
  });
}

TEST_F(PageTest, GaugesAndEscapedZoneNames) {
  page_.map = MapUse{4096, 1 << 20};
  page_.zones.push_back({"voxfra", 1000, 10 << 20});
  page_.zones.push_back({"we\"ird\\", 1, 2});
  expect_samples(text(), {
      {"voxfra_store_map_used_bytes", "4096"},
      {"voxfra_store_map_size_bytes", "1048576"},
      {R"(voxfra_zone_used_bytes{zone="voxfra"})", "1000"},
      {R"(voxfra_zone_size_bytes{zone="voxfra"})", "10485760"},
      {R"(voxfra_zone_size_bytes{zone="we\"ird\\"})", "2"},
  });
}

TEST_F(PageTest, NoMapGaugesWithoutAStore) {
  EXPECT_EQ(text().find("voxfra_store_map"), std::string::npos);
}

}  // namespace
}  // namespace voxfra::metrics
