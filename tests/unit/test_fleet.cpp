// The fleet's pieces that need no NATS (docs/fleet.md): subject tokens and
// key hashes, the figures `voxfra fleet status` reads from the store, and
// the replica's appends (each key once, whatever the order), and the rate
// reports' sums.
#include "fleet/fleet_names.h"
#include "fleet/rate_share.h"
#include "store/fleet_rates.h"
#include "store/fleet_state.h"
#include "store_harness.h"

namespace voxfra {
namespace {

using namespace store_harness;

TEST(FleetNames, SubjectTokenKeepsPlainNamesAndEscapesTheRest) {
  EXPECT_EQ(fleet::subject_token("acme_Co-2"), "acme_Co-2");
  EXPECT_EQ(fleet::subject_token("acme.eu"), "acme~2eeu");
  EXPECT_EQ(fleet::subject_token("a b*>"), "a~20b~2a~3e");
  // '~' itself is escaped, so no two names share a token.
  EXPECT_EQ(fleet::subject_token("a~2e"), "a~7e2e");
  EXPECT_NE(fleet::subject_token("a.b"), fleet::subject_token("a~2eb"));
}

TEST(FleetNames, OneSubjectPerIdempotencyKey) {
  std::string key_a, key_b;
  ASSERT_TRUE(make_idempotency_key(key_a, "acme", "dental", Provider::vapi, "call-1", "end-of-call-report"));
  ASSERT_TRUE(make_idempotency_key(key_b, "acme", "dental", Provider::vapi, "call-1", "status-update"));
  std::string hash = fleet::key_hash(key_a);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash, fleet::key_hash(key_a));
  EXPECT_NE(hash, fleet::key_hash(key_b));
  EXPECT_EQ(fleet::call_subject("acme.eu", hash), "voxfra.calls.acme~2eeu." + hash);
}

TEST_F(StoreTest, FleetStatusCountsWhatTheCursorHasNotPassed) {
  Store store(options());
  {
    Txn txn(store, false);
    EXPECT_FALSE(read_fleet_status(txn.get(), store)) << "no node yet";
  }
  std::vector<std::unique_ptr<TestCall>> calls;
  for (int i = 0; i < 5; ++i) {
    calls.push_back(std::make_unique<TestCall>("call-" + std::to_string(i)));
    calls.back()->call.received_at = 1000 * (i + 1);
    append(store, {calls.back().get()}, 1000 * (i + 1));
  }
  {
    Txn txn(store, true);
    fleet_put(txn.get(), store, fleet_key::node, "web-1");
    fleet_put_u64(txn.get(), store, fleet_key::shipped, 2);
    txn.commit();
  }
  auto s = read_fleet_status(store);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->node, "web-1");
  EXPECT_EQ(s->link, "stopped");
  EXPECT_EQ(s->shipped_through, 2u);
  EXPECT_EQ(s->unshipped, 3u);
  EXPECT_EQ(s->oldest_unshipped_at, 3000);
}

// Another node's copy of `c`, stored there as `origin`.
void replicate(Store& store, std::vector<TestCall*> batch, std::uint64_t origin) {
  std::vector<PendingCall*> calls;
  for (TestCall* c : batch) {
    c->call.replicated_sequence = origin++;
    calls.push_back(&c->call);
  }
  store.append_replicated(calls.data(), calls.size(), nullptr);
}

TEST_F(StoreTest, ReplicaStoresEachKeyOnceWhateverTheOrder) {
  Store store(options());
  TestCall local("local"), applied("applied");
  local.call.received_at = applied.call.received_at = 1000;
  append(store, {&local}, 1000);
  // The stream's copy of a call stored here: passed over.
  TestCall local_copy("local");
  local_copy.call.received_at = 1000;
  replicate(store, {&local_copy}, 77);
  EXPECT_EQ(local_copy.call.result, PendingCall::Result::duplicate);
  EXPECT_EQ(local_copy.call.sequence, 1u);
  // Another node's call: the next record id here, twice in one batch once.
  TestCall again("applied");
  again.call.received_at = 1000;
  replicate(store, {&applied, &again}, 40);
  EXPECT_EQ(applied.call.result, PendingCall::Result::stored);
  EXPECT_EQ(applied.call.sequence, 2u);
  EXPECT_EQ(again.call.result, PendingCall::Result::duplicate);
  EXPECT_EQ(count_entries(store, store.calls_dbi()), 2u);
  // A delivery here afterwards: duplicate, answered with the storing node's id.
  TestCall delivered("applied");
  append(store, {&delivered}, 2000);
  EXPECT_EQ(delivered.call.result, PendingCall::Result::duplicate);
  EXPECT_EQ(delivered.call.sequence, 40u);
  TestCall local_again("local");
  append(store, {&local_again}, 2000);
  EXPECT_EQ(local_again.call.sequence, 1u);
  // The shipper passes over the applied record only.
  Txn txn(store, false);
  EXPECT_TRUE(is_replicated(txn.get(), store, applied.key, 2));
  EXPECT_FALSE(is_replicated(txn.get(), store, local.key, 1));
}

TEST(FleetRates, TheNodeGetsWhatTheFleetHasNotUsedAndFailsSafeWhenStale) {
  FleetRateView none;
  EXPECT_EQ(fleet_rate_share(none, 100, 5000), 100u) << "no fleet node: the limit";
  FleetRateView v{true, 10'000, 3, 70};
  EXPECT_EQ(fleet_rate_share(v, 100, 11'000), 30u);
  v.others = 120;
  EXPECT_EQ(fleet_rate_share(v, 100, 11'000), 0u) << "the fleet used it all";
  EXPECT_EQ(fleet_rate_share(v, 100, 10'000 + kFleetRatesStaleMs + 1), 33u) << "stale: limit / nodes";
  EXPECT_EQ(fleet_rate_share(v, 2, 10'000 + kFleetRatesStaleMs + 1), 1u) << "at least one";
  EXPECT_EQ(fleet_rate_share(v, 0, 11'000), 0u) << "0 refuses all";
}

TEST(FleetRates, PeerReportsAddUpTheMinuteOfThoseHeardAndTheCountersOfAll) {
  fleet::PeerReports peers;
  peers["node-1"] = {10'000, fleet::parse_rate_report("ep-a 5 40 9000\nep-b 0 3 2000\n")};
  peers["node-2"] = {9'500, fleet::parse_rate_report("ep-a 7 60 9500\n")};
  // Quiet for more than 2 s: its minute no longer counts, its counters do.
  peers["node-3"] = {5'000, fleet::parse_rate_report("ep-a 11 100 4000\nep-c 1 8 4500\n")};
  std::uint32_t nodes = 0;
  fleet::FleetFigures sum = fleet::sum_peer_reports(peers, 10'100, nodes);
  EXPECT_EQ(nodes, 3u) << "this node and the two heard from";
  EXPECT_EQ(sum["ep-a"], (FleetEndpointFigures{12, {200, 9500}}));
  EXPECT_EQ(sum["ep-b"], (FleetEndpointFigures{0, {3, 2000}}));
  EXPECT_EQ(sum["ep-c"], (FleetEndpointFigures{0, {8, 4500}}));
}

TEST(FleetRates, ReportsRoundTripAndReadTheMinuteOnlyForm) {
  fleet::RateReport report;
  report["ep-a"] = {4, {120, 1'765'000'000'123}};
  report["ep-idle"] = {};  // never used: not sent
  EXPECT_EQ(fleet::encode_rate_report(report), "ep-a 4 120 1765000000123\n");
  auto back = fleet::parse_rate_report(fleet::encode_rate_report(report));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back["ep-a"].minute, 4u);
  EXPECT_EQ(back["ep-a"].counters, (FleetCounters{120, 1'765'000'000'123}));
  auto old = fleet::parse_rate_report("ep-a 9\n");
  EXPECT_EQ(old["ep-a"].minute, 9u);
  EXPECT_EQ(old["ep-a"].counters, FleetCounters{});
}

// More endpoints than one NATS message holds (1 MB by default: about
// 17,000 of them) go out in parts, each within the server's max_payload.
fleet::RateReport many_endpoints(int n) {
  fleet::RateReport report;
  for (int i = 0; i < n; ++i) {
    report["ep-" + std::to_string(100000 + i)] = {static_cast<std::uint64_t>(i % 7),
                                                  {static_cast<std::uint64_t>(i + 1), 1'765'000'000'000 + i}};
  }
  return report;
}

TEST(FleetRates, AReportLargerThanAMessageGoesInPartsThatFitAndComeBackWhole) {
  const fleet::RateReport report = many_endpoints(1000);
  const auto parts = fleet::encode_rate_report_parts(report, 42, 4096);
  ASSERT_GT(parts.size(), 5u);
  fleet::ReportAssembly assembly;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    EXPECT_LE(parts[i].size(), 4096u) << "part " << i;
    EXPECT_TRUE(parts[i].starts_with("# 42 " + std::to_string(i) + " " + std::to_string(parts.size()) + "\n"));
    auto whole = assembly.add(parts[i]);
    ASSERT_EQ(whole.has_value(), i + 1 == parts.size()) << "part " << i;
    if (whole) {
      EXPECT_EQ(whole->tick, 42u);
      EXPECT_EQ(whole->base, 0u) << "a whole report";
      EXPECT_EQ(fleet::encode_rate_report(whole->endpoints), fleet::encode_rate_report(report));
    }
  }
  // An empty report is one part, and a whole (empty) report.
  const auto none = fleet::encode_rate_report_parts({}, 43, 4096);
  ASSERT_EQ(none.size(), 1u);
  auto empty = assembly.add(none[0]);
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->endpoints.empty());
}

TEST(FleetRates, AReportWithAPartLostCountsNotAndTheNextOneDoes) {
  const fleet::RateReport report = many_endpoints(300);
  fleet::ReportAssembly assembly;
  auto first = fleet::encode_rate_report_parts(report, 7, 2048);
  ASSERT_GT(first.size(), 2u);
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (i == 1) continue;  // lost on the way
    EXPECT_FALSE(assembly.add(first[i]).has_value()) << "part " << i;
  }
  // The next report starts afresh, whatever the last one left.
  auto second = fleet::encode_rate_report_parts(report, 8, 2048);
  EXPECT_FALSE(assembly.add(first[0]).has_value());
  std::optional<fleet::ReceivedReport> whole;
  for (const std::string& part : second) whole = assembly.add(part);
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(whole->endpoints.size(), report.size());
  // A message without the first line (one part only) is a whole report.
  auto plain = assembly.add("ep-a 3 9 1000\n");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->endpoints["ep-a"].minute, 3u);
}

// Most of a large fleet's endpoints are quiet at any moment: a node sends
// what changed since its last report, and a peer holding that report ends
// with the sender's whole one (a line of zeros removes an endpoint).
TEST(FleetRates, ChangesSinceTheLastReportRebuildTheWholeOne) {
  fleet::RateReport before = many_endpoints(17'000);
  fleet::RateReport after = before;
  for (int i = 0; i < 17'000; i += 100) after["ep-" + std::to_string(100000 + i)].minute += 3;  // 1% busy
  after["ep-new"] = {1, {1, 1'765'000'100'000}};
  after.erase("ep-100001");
  const fleet::RateReport changes = fleet::report_changes(before, after);
  EXPECT_EQ(changes.size(), 170u + 2u);
  EXPECT_EQ(changes.at("ep-100001"), fleet::ReportedEndpoint{}) << "gone: a line of zeros";

  fleet::ReportAssembly assembly;
  fleet::PeerReport peer;
  for (const std::string& part : fleet::encode_rate_report_parts(before, 9, 1 << 20)) {
    if (auto r = assembly.add(part)) {
      ASSERT_TRUE(fleet::take_report(peer, std::move(*r)));
    }
  }
  ASSERT_EQ(peer.tick, 9u);
  const auto whole_parts = fleet::encode_rate_report_parts(after, 10, 1 << 20);
  const auto change_parts = fleet::encode_rate_report_parts(changes, 10, 1 << 20, 9);
  ASSERT_EQ(change_parts.size(), 1u);
  EXPECT_TRUE(change_parts[0].starts_with("# 10 0 1 9\n")) << change_parts[0].substr(0, 20);
  EXPECT_NE(change_parts[0].find("ep-100001 0 0 0\n"), std::string::npos);
  std::size_t whole_bytes = 0;
  for (const std::string& part : whole_parts) whole_bytes += part.size();
  EXPECT_LT(change_parts[0].size() * 50, whole_bytes) << "1% changed, " << change_parts[0].size() << " bytes of "
                                                      << whole_bytes;
  auto received = assembly.add(change_parts[0]);
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->base, 9u);
  ASSERT_TRUE(fleet::take_report(peer, std::move(*received)));
  EXPECT_EQ(peer.tick, 10u);
  EXPECT_EQ(fleet::encode_rate_report(peer.endpoints), fleet::encode_rate_report(after));
}

// Changes made against a report this node does not hold (one lost on the
// way, or a daemon that started since) are not taken: the peer's figures
// stay as they were until a whole report, which the daemon asks for.
TEST(FleetRates, ChangesAgainstAReportNotHeldAreNotTaken) {
  fleet::PeerReport peer;
  const fleet::RateReport first = fleet::parse_rate_report("ep-a 5 40 9000\n");
  EXPECT_FALSE(fleet::take_report(peer, {3, 2, first})) << "no whole report yet";
  EXPECT_TRUE(peer.endpoints.empty());
  ASSERT_TRUE(fleet::take_report(peer, {4, 0, first}));
  EXPECT_FALSE(fleet::take_report(peer, {6, 5, fleet::parse_rate_report("ep-a 9 44 9900\n")}))
      << "made against report 5, which never came";
  EXPECT_EQ(peer.endpoints.at("ep-a").minute, 5u);
  EXPECT_EQ(peer.tick, 4u);
  ASSERT_TRUE(fleet::take_report(peer, {5, 4, fleet::parse_rate_report("ep-a 0 0 0\nep-b 2 2 9800\n")}));
  EXPECT_EQ(peer.endpoints.count("ep-a"), 0u) << "a line of zeros removes it";
  EXPECT_EQ(peer.endpoints.at("ep-b").minute, 2u);
  EXPECT_EQ(peer.tick, 5u);
}

TEST_F(StoreTest, AnEndpointsCountersAreTheFleetsOnAFleetNode) {
  Store store(options());
  EndpointStats local;
  local.count(Outcome::accepted, Reason::none, 5000);
  local.count(Outcome::duplicate, Reason::none, 6000);
  std::pair<std::string, EndpointStats> delta[] = {{"ep-a", local}, {"ep-b", local}};
  ASSERT_TRUE(store.add_stats(delta, 2).ok());
  {
    Txn txn(store, false);
    EndpointStats alone = read_fleet_endpoint_stats(txn.get(), store, "ep-a");
    EXPECT_EQ(alone.requests, 2u) << "no fleet: this node's own";
    EXPECT_EQ(alone.last_used_at, 6000);
  }
  {
    Txn txn(store, true);
    write_fleet_rates(txn.get(), store, 7000, 3);
    write_fleet_rate(txn.get(), store, "ep-a", FleetEndpointFigures{4, {30, 9000}});
    write_fleet_rate(txn.get(), store, "ep-b", FleetEndpointFigures{0, {5, 1000}});
    txn.commit();
  }
  Txn txn(store, false);
  EndpointStats a = read_fleet_endpoint_stats(txn.get(), store, "ep-a");
  EXPECT_EQ(a.requests, 32u) << "the others' requests added";
  EXPECT_EQ(a.last_used_at, 9000) << "the latest use in the fleet";
  EXPECT_EQ(a.accepted, 1u) << "the breakdown stays this node's";
  EndpointStats b = read_fleet_endpoint_stats(txn.get(), store, "ep-b");
  EXPECT_EQ(b.requests, 7u);
  EXPECT_EQ(b.last_used_at, 6000) << "this node used it last";
  EXPECT_EQ(read_fleet_rate(txn.get(), store, "ep-a").others, 4u) << "the rate check reads the same entry";
  EXPECT_EQ(read_fleet_endpoint_stats(txn.get(), store, "ep-none").requests, 0u);
}

TEST(StoredCall, RecordWithoutIdIsWhatAppendTakes) {
  EXPECT_EQ(record_without_id(R"({"id":"00000000000000ff","callId":"x"})"), std::string(R"({"callId":"x"})"));
  EXPECT_EQ(record_without_id(R"({"id":"00000000000000ff"})"), std::string("{}"));
  EXPECT_FALSE(record_without_id(R"({"callId":"x"})"));
  EXPECT_FALSE(record_without_id(R"({"id":"zz000000000000ff","callId":"x"})"));
}

}  // namespace
}  // namespace voxfra
