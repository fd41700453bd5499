// The Management API's changes against a real LMDB environment: what the
// integration test (t/16-api-manage.t) cannot set up cheaply — a fleet
// node's store — and the order of the checks before a change.
#include <gtest/gtest.h>

#include <string>

#include "api/api.h"
#include "api/api_tokens.h"
#include "store/api_token.h"
#include "store/audit_log.h"
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

TEST_F(ApiWriteTest, AFleetNodeRefusesChangesNamingTheFleet) {
  {
    Txn txn(*store_, true);
    fleet_put(txn.get(), *store_, fleet_key::node, "node-a");
    txn.commit();
  }
  ApiResponse r = write("POST", "v1/endpoints", make_token(TokenRole::write), R"({"client":"c","provider":"custom"})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find("\"reason\":\"fleet_node\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("node-a"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("--nats"), std::string::npos) << r.body;
  EXPECT_EQ(endpoints(), 0u);
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
