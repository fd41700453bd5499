// The Management API's changes against a real LMDB environment: what the
// integration test (t/16-api-manage.t) cannot set up cheaply — a fleet
// node's store — and the order of the checks before a change.
#include <gtest/gtest.h>

#include <string>

#include "api/api.h"
#include "api/api_tokens.h"
#include "store/api_token.h"
#include "store/audit_log.h"
#include "store/fleet_outbox.h"
#include "store/fleet_state.h"
#include "store_harness.h"

namespace voxfra {
namespace {

class ApiWriteTest : public store_harness::OpenStoreTest {
 protected:
  std::string make_token(TokenRole role) {
    IssuedApiToken t = issue_api_token("acme", "test", role, now_millis());
    Txn txn(*store_, true);
    save_api_token(txn.get(), *store_, t.record);
    txn.commit();
    return t.token;
  }

  ApiResponse write(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body, ApiWriteSettings settings = {}) {
    std::string auth = "Bearer " + token;
    return handle_api_write(store_.get(), nullptr, settings,
                            {method, path, "", auth, "req-w", body, "application/json", {}});
  }

  std::size_t endpoints() {
    Txn txn(*store_, false);
    MDB_stat stat;
    mdb_stat(txn.get(), store_->endpoints_dbi(), &stat);
    return stat.ms_entries;
  }
};

TEST_F(ApiWriteTest, AFleetNodeQueuesAChangeForTheFleetAndAnswersWhatTheDaemonAnswers) {
  {
    Txn txn(*store_, true);
    fleet_put(txn.get(), *store_, fleet_key::node, "node-a");
    txn.commit();
  }
  const std::string token = make_token(TokenRole::write);
  // The rules refuse at once, against the node's mirror: nothing is queued.
  ApiResponse bad = write("POST", "v1/endpoints", token, R"({"client":"c","provider":"nope"})");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.fleet_request, 0u);
  ApiResponse r = write("POST", "v1/endpoints", token, R"({"client":"c","provider":"custom"})");
  ASSERT_NE(r.fleet_request, 0u) << r.status << r.body;
  EXPECT_EQ(endpoints(), 0u);  // the fleet's to make, never the node's
  Txn read(*store_, false);
  auto entry = read_outbox_entry(read.get(), *store_, r.fleet_request);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->state, OutboxState::queued);
  EXPECT_EQ(entry->path, "v1/endpoints");
  EXPECT_EQ(entry->request_id, "req-w");
  EXPECT_FALSE(api_fleet_answer(*store_, read.get(), r.fleet_request, "req-w")) << "waits before the deadline";
}

TEST_F(ApiWriteTest, AtTheDeadlineAQueuedChangeWasNotMadeATakenOneMayHaveBeen) {
  for (OutboxState state : {OutboxState::queued, OutboxState::taken}) {
    OutboxEntry e;
    e.deadline = now_millis() - 1;
    e.request_id = "req-x";
    std::uint64_t id = 0;
    {
      Txn txn(*store_, true);
      id = queue_outbox_entry(txn.get(), *store_, e);
      e.state = state;
      write_outbox_entry(txn.get(), *store_, e);
      txn.commit();
    }
    Txn read(*store_, false);
    auto answer = api_fleet_answer(*store_, read.get(), id, "req-x");
    ASSERT_TRUE(answer);
    if (state == OutboxState::queued) {
      EXPECT_EQ(answer->status, 503) << answer->body;
      EXPECT_NE(answer->body.find("\"reason\":\"fleet_unavailable\""), std::string::npos) << answer->body;
      EXPECT_NE(answer->body.find("nothing was changed"), std::string::npos) << answer->body;
      EXPECT_TRUE(queued_outbox_entries(read.get(), *store_, now_millis()).empty()) << "never taken after it";
    } else {
      EXPECT_EQ(answer->status, 504) << answer->body;
      EXPECT_NE(answer->body.find("\"reason\":\"fleet_unconfirmed\""), std::string::npos) << answer->body;
    }
  }
}

TEST(FleetOutbox, AnEntryReadsBackAsWritten) {
  OutboxEntry e;
  e.state = OutboxState::answered;
  e.deadline = 1234567;
  e.method = "POST";
  e.path = "v1/endpoints";
  e.body = std::string(70000, 'x');  // past a u16 length
  e.token_role = 3;
  e.status = 201;
  e.replayed = true;
  e.answer = "{}";
  OutboxEntry back;
  ASSERT_TRUE(decode_outbox_entry(7, encode_outbox_entry(e), back));
  EXPECT_EQ(back.id, 7u);
  EXPECT_EQ(back.state, OutboxState::answered);
  EXPECT_EQ(back.deadline, 1234567);
  EXPECT_EQ(back.body.size(), 70000u);
  EXPECT_EQ(back.status, 201);
  EXPECT_TRUE(back.replayed);
  EXPECT_EQ(back.answer, "{}");
  std::string cut = encode_outbox_entry(e);
  cut.pop_back();
  EXPECT_FALSE(decode_outbox_entry(7, cut, back));
}

TEST_F(ApiWriteTest, AReadTokenIsRefusedBeforeTheBodyIsRead) {
  ApiResponse r = write("POST", "v1/endpoints", make_token(TokenRole::read), "not json");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(endpoints(), 0u);
}

TEST_F(ApiWriteTest, MethodsARouteDoesNotAnswerAre405WithAllow) {
  std::string token = make_token(TokenRole::admin);
  ApiResponse r = write("POST", "v1/calls", token, "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.allow, "GET");
  r = write("PATCH", "v1/endpoints", token, "{}");
  EXPECT_EQ(r.allow, "GET, POST");
  r = write("POST", "v1/nothing", token, "{}");
  EXPECT_EQ(r.status, 404);
}

TEST_F(ApiWriteTest, TheWriteLimitCountsTheTokensChangesInTheAuditLog) {
  std::string token = make_token(TokenRole::write);
  ApiWriteSettings two;
  two.changes_per_minute = 2;
  EXPECT_EQ(write("POST", "v1/endpoints", token, R"({"client":"a","provider":"custom"})", two).status, 201);
  EXPECT_EQ(write("POST", "v1/endpoints", token, R"({"client":"b","provider":"custom"})", two).status, 201);
  // A refused change leaves no entry and does not count.
  EXPECT_EQ(write("POST", "v1/endpoints", token, R"({"client":"b","provider":"custom"})").status, 409);
  ApiResponse r = write("POST", "v1/endpoints", token, R"({"client":"c","provider":"custom"})", two);
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.retry_after, 60);
  EXPECT_EQ(endpoints(), 2u);
  Txn txn(*store_, false);
  EXPECT_EQ(read_audit_log(txn.get(), *store_, {}).size(), 2u);
}

TEST_F(ApiWriteTest, AuditEntriesRoundTrip) {
  AuditEntry e;
  e.at = 1'700'000'000'000;
  e.actor = "cli:root";
  e.action = "set";
  e.endpoint_id = "ep_0123456789abcdef";
  e.detail = R"({"allowTo":[]})";
  AuditEntry back;
  ASSERT_TRUE(decode_audit_entry(7, encode_audit_entry(e), back));
  EXPECT_EQ(back.sequence, 7u);
  EXPECT_EQ(back.actor, "cli:root");
  EXPECT_EQ(back.detail, e.detail);
  EXPECT_FALSE(decode_audit_entry(7, encode_audit_entry(e).substr(0, 20), back));
}

TEST_F(ApiWriteTest, TokensKeepTheirRoleAndOldTokensRead) {
  IssuedApiToken t = issue_api_token("acme", "n", TokenRole::admin, 1);
  ApiToken back;
  ASSERT_TRUE(decode_api_token(t.record.id, encode_api_token(t.record), back));
  EXPECT_EQ(back.role, TokenRole::admin);
  std::string v1 = encode_api_token(t.record);
  v1[0] = 1;         // a token stored before roles
  v1.pop_back();     // had no role byte
  ASSERT_TRUE(decode_api_token(t.record.id, v1, back));
  EXPECT_EQ(back.role, TokenRole::read);
}

}  // namespace
}  // namespace voxfra
