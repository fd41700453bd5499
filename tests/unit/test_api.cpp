// The Management API core against a real LMDB environment: tokens, scopes,
// routes, errors and pages that stay exact while calls are stored.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "api/api.h"
#include "api/api_tokens.h"
#include "api/page_cursor.h"
#include "api/query.h"
#include "store/call_listing.h"
#include "store/endpoint.h"
#include "store/request_log.h"
#include "store/request_log_json.h"
#include "util/hmac.h"
#include "store_harness.h"

namespace voxfra {
namespace {

using store_harness::kWindow;

class ApiTest : public store_harness::OpenStoreTest {
 protected:

  // Stores one call event of org/client (custom provider); its sequence.
  std::uint64_t store_call(const std::string& org, const std::string& client, const std::string& call_id,
                           const std::string& event = "call.ended", const std::string& extra = "") {
    std::string key;
    make_idempotency_key(key, org, client, Provider::custom, call_id, event);
    std::string json = "{\"org\":\"" + org + "\",\"callId\":\"" + call_id + "\",\"event\":\"" + event + "\"" + extra + "}";
    PendingCall call;
    call.idempotency_key = key;
    call.record_json = json;
    call.provider = Provider::custom;
    call.received_at = ++clock_;
    call.org = org;
    call.client = client;
    call.call_id = call_id;
    call.event = event;
    PendingCall* calls[] = {&call};
    store_->append_calls(calls, 1, clock_, kWindow);
    EXPECT_EQ(call.result, PendingCall::Result::stored);
    return call.sequence;
  }

  std::string make_token(const std::string& scope) {
    IssuedApiToken t = issue_api_token(scope, "test", TokenRole::read, clock_);
    Txn txn(*store_, true);
    save_api_token(txn.get(), *store_, t.record);
    txn.commit();
    return t.token;
  }

  void add_endpoint(const std::string& slug, const std::string& org, const std::string& client) {
    Endpoint e;
    e.slug = slug;
    e.id = "ep_" + slug.substr(0, 16);
    e.org = org;
    e.client = client;
    e.provider = Provider::custom;
    e.secrets.push_back({"whsec_secret-that-must-never-show", 0});
    e.replaced_by = "REPLACEMENT-SLUG-MUST-NOT-SHOW";
    Txn txn(*store_, true);
    txn.put(store_->endpoints_dbi(), slug, encode_endpoint(e));
    txn.commit();
  }

  ApiResponse get(const std::string& target, const std::string& token, const ApiTokenFile* file = nullptr,
                  const std::string& method = "GET") {
    std::size_t q = target.find('?');
    std::string path = target.substr(0, q), query = q == std::string::npos ? "" : target.substr(q + 1);
    std::string auth = token.empty() ? "" : "Bearer " + token;
    Txn txn(*store_, false);
    return handle_api_request(store_.get(), txn.get(), file, {method, path, query, auth, "req-1", {}, {}, {}});
  }

  UnixMillis clock_ = 1'700'000'000'000;
};

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& body) {
  simdjson::dom::element e;
  EXPECT_EQ(p.parse(body).get(e), simdjson::SUCCESS) << body;
  return e;
}

std::vector<std::string> item_call_ids(const std::string& body) {
  simdjson::dom::parser p;
  std::vector<std::string> ids;
  for (simdjson::dom::element item : parse(p, body)["items"].get_array()) {
    ids.emplace_back(std::string_view(item["callId"].get_string()));
  }
  return ids;
}

std::string next_cursor(const std::string& body) {
  simdjson::dom::parser p;
  std::string_view c;
  if (parse(p, body)["nextCursor"].get(c) != simdjson::SUCCESS) return "";
  return std::string(c);
}

TEST(ApiQuery, DecodesPathsAndParameters) {
  auto s = path_segments("/v1/providers/custom/calls/a%2Fb/");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (std::vector<std::string>{"v1", "providers", "custom", "calls", "a/b"}));
  EXPECT_FALSE(path_segments("v1/calls/%zz"));
  EXPECT_FALSE(path_segments("v1/calls/%00"));
  auto q = Query::parse("org=acme&since=2026-11-23T10%3A00%3A00Z&name=a+b&empty=");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->value("since"), "2026-11-23T10:00:00Z");
  EXPECT_EQ(q->value("name"), "a b");
  EXPECT_EQ(q->value("empty"), "");
  EXPECT_FALSE(q->value("client"));
  EXPECT_EQ(q->unknown("org since name"), "empty");
  EXPECT_FALSE(q->repeated());
  EXPECT_EQ(Query::parse("a=1&a=2")->repeated(), "a");
  EXPECT_FALSE(Query::parse("a=%4"));
}

TEST(ApiTokens, BearerHeader) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer  abc "), "abc");
  EXPECT_FALSE(bearer_token("Basic abc"));
  EXPECT_FALSE(bearer_token("Bearer "));
  EXPECT_FALSE(bearer_token(""));
}

TEST(ApiTokens, IssuedTokensAreLongRandomAndHashed) {
  IssuedApiToken a = issue_api_token("acme", "ci", TokenRole::read, 1);
  IssuedApiToken b = issue_api_token("acme", "ci", TokenRole::read, 1);
  EXPECT_NE(a.token, b.token);
  EXPECT_EQ(a.token.size(), 4u + 16 + 1 + 48);  // 192 random bits after the id
  EXPECT_EQ(a.record.id, "tok_" + a.token.substr(4, 16));
  EXPECT_TRUE(constant_time_equal(a.record.sha256, sha256(a.token)));
  ApiToken back;
  ASSERT_TRUE(decode_api_token(a.record.id, encode_api_token(a.record), back));
  EXPECT_EQ(back.scope, "acme");
  EXPECT_EQ(back.name, "ci");
  EXPECT_EQ(back.sha256, a.record.sha256);
  EXPECT_FALSE(decode_api_token("x", "\x02", back));
}

TEST(ApiTokens, TokenFileLines) {
  std::string hash(64, 'a');
  auto tokens = parse_token_file("# ops tokens\n\n" + hash + " acme\n" + std::string(64, 'B') + "\t*\r\n");
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].scope, "acme");
  EXPECT_EQ(tokens[0].line, 3u);
  EXPECT_EQ(tokens[1].scope, "*");
  try {
    parse_token_file(hash + " acme\nnot-a-hash acme\n");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_token_file(hash + "\n"), std::runtime_error);
  EXPECT_THROW(parse_token_file(hash + " a/b\n"), std::runtime_error);
}

TEST(ApiCursor, RoundTripsAndRefusesOtherListings) {
  std::string c = api::encode_call_cursor({7, 3});
  auto p = api::decode_call_cursor(c);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->top, 7u);
  EXPECT_EQ(p->below, 3u);
  EXPECT_FALSE(api::decode_call_cursor(api::encode_endpoint_cursor("ep_1")));
  EXPECT_EQ(api::decode_endpoint_cursor(api::encode_endpoint_cursor("ep_1")), "ep_1");
  EXPECT_FALSE(api::decode_call_cursor("!!"));
  EXPECT_FALSE(api::decode_call_cursor(""));
}

TEST_F(ApiTest, HealthNeedsNoToken) {
  ApiResponse r = get("v1/health", "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"schemaVersion\":1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"requestId\":\"req-1\""), std::string::npos) << r.body;
  ApiResponse closed = handle_api_request(nullptr, nullptr, nullptr, {"GET", "v1/health", "", "", "r", {}, {}, {}});
  EXPECT_EQ(closed.status, 503);
  EXPECT_EQ(handle_api_request(nullptr, nullptr, nullptr, {"GET", "v1/calls", "", "", "r", {}, {}, {}}).status, 503);
}

TEST_F(ApiTest, TokensAreRequiredAndChecked) {
  std::string token = make_token("acme");
  ApiResponse none = get("v1/calls", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_TRUE(none.www_authenticate);
  EXPECT_NE(none.body.find("\"reason\":\"unauthorized\""), std::string::npos);
  EXPECT_EQ(get("v1/calls", token + "x").status, 401);
  std::string forged = token;
  forged.back() = forged.back() == '0' ? '1' : '0';  // the right id, a wrong secret
  EXPECT_EQ(get("v1/calls", forged).status, 401);
  EXPECT_EQ(get("v1/calls", token).status, 200);

  Txn txn(*store_, true);
  auto record = find_api_token(txn.get(), *store_, "tok_" + token.substr(4, 16));
  ASSERT_TRUE(record);
  record->revoked_at = clock_;
  save_api_token(txn.get(), *store_, *record);
  txn.commit();
  EXPECT_EQ(get("v1/calls", token).status, 401);
}

TEST_F(ApiTest, TokenFileTokens) {
  std::string token = "ops-token-from-config-management";
  ApiTokenFile* file = load_api_token_file(hex_encode(sha256(token)) + " *\n");
  EXPECT_EQ(get("v1/calls", token, file).status, 200);
  EXPECT_EQ(get("v1/calls", "other", file).status, 401);
  free_api_token_file(file);
}

TEST_F(ApiTest, OnlyGet) {
  ApiResponse r = get("v1/calls", make_token("*"), nullptr, "POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.allow, "GET");
}

TEST_F(ApiTest, OrgTokensSeeOnlyTheirOrg) {
  std::uint64_t other = store_call("globex", "c", "g-1");
  store_call("acme", "c", "a-1");
  std::string acme = make_token("acme");
  EXPECT_EQ(item_call_ids(get("v1/calls", acme).body), std::vector<std::string>{"a-1"});
  ApiResponse forbidden = get("v1/calls?org=globex", acme);
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_NE(forbidden.body.find("\"field\":\"org\""), std::string::npos);
  EXPECT_EQ(get("v1/calls/" + record_id(other), acme).status, 404);
  EXPECT_EQ(get("v1/providers/custom/calls/g-1", acme).status, 404);
  EXPECT_EQ(get("v1/providers/custom/calls/a-1", acme).status, 200);
  std::string all = make_token("*");
  EXPECT_EQ(item_call_ids(get("v1/calls", all).body), (std::vector<std::string>{"a-1", "g-1"}));
  EXPECT_EQ(get("v1/calls/" + record_id(other), all).status, 200);
}

TEST_F(ApiTest, BadParametersAreNamed) {
  std::string t = make_token("*");
  for (const char* target : {"v1/calls?limit=0", "v1/calls?limit=201", "v1/calls?since=yesterday",
                             "v1/calls?provider=skype", "v1/calls?cursor=abc", "v1/calls?colour=red",
                             "v1/calls?org=a&org=b", "v1/endpoints?status=gone"}) {
    ApiResponse r = get(target, t);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_NE(r.body.find("\"reason\":\"invalid_parameter\""), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("\"details\":[{\"field\":"), std::string::npos) << r.body;
  }
  EXPECT_EQ(get("v1/nothing", t).status, 404);
  EXPECT_EQ(get("v1/calls/not-a-record-id", t).status, 404);
  EXPECT_EQ(get("v1/endpoints/ep_x/requests?limit=0", t).status, 400);
}

TEST_F(ApiTest, PagesHaveNoGapAndNoRepeatWhileCallsArrive) {
  for (int i = 0; i < 7; ++i) store_call("acme", "c", "call-" + std::to_string(i));
  std::string t = make_token("acme");
  std::vector<std::string> seen;
  ApiResponse page = get("v1/calls?limit=3", t);
  ASSERT_EQ(page.status, 200) << page.body;
  int round = 0;
  for (;;) {
    for (const std::string& id : item_call_ids(page.body)) seen.push_back(id);
    // New calls, and a new revision of a call not listed yet: neither moves the pages.
    store_call("acme", "c", "new-" + std::to_string(round++));
    store_call("acme", "c", "call-0", "call.analyzed-" + std::to_string(round), ",\"summary\":\"late\"");
    std::string cursor = next_cursor(page.body);
    if (cursor.empty()) break;
    page = get("v1/calls?limit=3&cursor=" + cursor, t);
    ASSERT_EQ(page.status, 200) << page.body;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"call-6", "call-5", "call-4", "call-3", "call-2", "call-1", "call-0"}));
  // From the top again: the new calls first, call-0 merged once at its newest revision.
  std::vector<std::string> fresh = item_call_ids(get("v1/calls?limit=200", t).body);
  EXPECT_EQ(std::set<std::string>(fresh.begin(), fresh.end()).size(), fresh.size());
  EXPECT_EQ(fresh.front(), "call-0");
}

TEST_F(ApiTest, AForgedCursorStartsNoHigherThanItsTop) {
  for (int i = 0; i < 5; ++i) store_call("acme", "c", "call-" + std::to_string(i));
  Txn txn(*store_, false);
  CallPage page = page_calls(txn.get(), *store_, CallFilter{}, 10, CallPosition{2, ~0ull}, 1);
  ASSERT_EQ(page.calls.size(), 1u);
  EXPECT_EQ(page.calls[0].newest().sequence, 2u);  // the budget of one record went to a listed one
  ASSERT_TRUE(page.next);
  EXPECT_EQ(page.next->below, 2u);
}

TEST_F(ApiTest, ALargePageEndsEarlyWithACursor) {
  const std::string transcript = ",\"transcript\":\"" + std::string(1536 * 1024, 'x') + "\"";
  for (int i = 0; i < 4; ++i) store_call("acme", "c", "long-" + std::to_string(i), "call.ended", transcript);
  std::string t = make_token("acme");
  ApiResponse first = get("v1/calls?limit=10", t);
  EXPECT_EQ(item_call_ids(first.body), (std::vector<std::string>{"long-3", "long-2", "long-1"}));
  ApiResponse second = get("v1/calls?limit=10&cursor=" + next_cursor(first.body), t);
  EXPECT_EQ(item_call_ids(second.body), std::vector<std::string>{"long-0"});
  EXPECT_EQ(next_cursor(second.body), "");
}

TEST_F(ApiTest, RevisionsAreMergedAndListedOnce) {
  std::uint64_t first = store_call("acme", "c", "r-1", "call_ended", ",\"durationSeconds\":42");
  store_call("acme", "c", "other");
  store_call("acme", "c", "r-1", "call_analyzed", ",\"summary\":\"booked\"");
  std::string t = make_token("acme");
  ApiResponse list = get("v1/calls", t);
  EXPECT_EQ(item_call_ids(list.body), (std::vector<std::string>{"r-1", "other"}));
  EXPECT_NE(list.body.find("\"summary\":\"booked\""), std::string::npos);
  EXPECT_NE(list.body.find("\"durationSeconds\":42"), std::string::npos);
  ApiResponse one = get("v1/calls/" + record_id(first), t);  // an older revision finds the whole call
  EXPECT_NE(one.body.find("\"revisions\":[\"" + record_id(first) + "\""), std::string::npos) << one.body;
  // Filtering on the older revision's event time lists it there, still once.
  ApiResponse outcome = get("v1/calls?outcome=nothing", t);
  EXPECT_TRUE(item_call_ids(outcome.body).empty());
}

TEST_F(ApiTest, CallIdAmbiguousAcrossClients) {
  store_call("acme", "a", "same");
  store_call("acme", "b", "same");
  std::string t = make_token("acme");
  ApiResponse r = get("v1/providers/custom/calls/same", t);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(get("v1/providers/custom/calls/same?client=b", t).status, 200);
  EXPECT_EQ(get("v1/providers/vapi/calls/same", t).status, 404);
}

TEST_F(ApiTest, EndpointsShowNoSecretAndNoSlug) {
  const std::string slug = "SLUGSLUGSLUGSLUGSLUGSLUGSLUGSLUG";
  add_endpoint(slug, "acme", "dental");
  add_endpoint("OTHEROTHEROTHEROTHEROTHEROTHER00", "globex", "x");
  std::string t = make_token("acme");
  ApiResponse r = get("v1/endpoints", t);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find(slug), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("whsec_"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("REPLACEMENT"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("globex"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"slugPrefix\":\"SLUGSL\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"hmac\":true"), std::string::npos) << r.body;
  EXPECT_EQ(get("v1/endpoints/ep_OTHEROTHEROTHERO", t).status, 404);
  EXPECT_EQ(get("v1/endpoints/ep_OTHEROTHEROTHERO", make_token("globex")).status, 200);
  EXPECT_EQ(get("v1/endpoints/ep_SLUGSLUGSLUGSLUG", t).status, 200);
  ApiResponse orgs = get("v1/orgs", t);
  EXPECT_NE(orgs.body.find("\"org\":\"acme\""), std::string::npos) << orgs.body;
  EXPECT_EQ(orgs.body.find("globex"), std::string::npos) << orgs.body;
}

TEST_F(ApiTest, EndpointPages) {
  for (int i = 0; i < 5; ++i) add_endpoint("SLUG" + std::to_string(i) + "xxxxxxxxxxxxxxxxxxxxxxxxxxx", "acme", "c");
  std::string t = make_token("*");
  std::set<std::string> ids;
  std::string cursor;
  int pages = 0;
  do {
    ApiResponse r = get("v1/endpoints?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor), t);
    ASSERT_EQ(r.status, 200) << r.body;
    simdjson::dom::parser p;
    for (simdjson::dom::element e : parse(p, r.body)["items"].get_array()) {
      EXPECT_TRUE(ids.insert(std::string(std::string_view(e["id"].get_string()))).second);
    }
    cursor = next_cursor(r.body);
    ++pages;
  } while (!cursor.empty());
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(pages, 3);
}

RequestLogEntry request_log_entry(std::string_view endpoint_id, int n, Outcome outcome, Reason reason) {
  RequestLogEntry e;
  e.at_micros = 1'700'000'000'000'000 + n * 1000;
  e.latency_micros = static_cast<std::uint32_t>(n * 250);
  e.outcome = outcome;
  e.reason = reason;
  e.http_status = static_cast<std::uint16_t>(outcome == Outcome::rejected ? reason_http_status(reason) : 200);
  e.provider = static_cast<std::uint8_t>(Provider::custom);
  e.set_endpoint_id(endpoint_id);
  e.set_request_id("req-" + std::to_string(n));
  if (outcome != Outcome::rejected) e.set_call_id("call-" + std::to_string(n));
  return e;
}

TEST_F(ApiTest, EndpointRequestsAreTheHistoryNewestFirstAsTheCliWritesIt) {
  add_endpoint("SLUGSLUGSLUGSLUGSLUGSLUGSLUGSLUG", "acme", "dental");
  add_endpoint("QUIETQUIETQUIETQUIETQUIETQUIET00", "acme", "quiet");
  add_endpoint("OTHEROTHEROTHEROTHEROTHEROTHER00", "globex", "x");
  // Ids are "ep_" and the slug's first 16 characters (add_endpoint).
  const std::string mine = "ep_SLUGSLUGSLUGSLUG", theirs = "ep_OTHEROTHEROTHERO";
  std::vector<RequestLogEntry> log = {request_log_entry(mine, 1, Outcome::accepted, Reason::none),
                                      request_log_entry(mine, 2, Outcome::duplicate, Reason::none),
                                      request_log_entry(mine, 3, Outcome::rejected, Reason::bad_signature),
                                      request_log_entry(theirs, 4, Outcome::accepted, Reason::none)};
  ASSERT_TRUE(store_->append_request_log(log.data(), log.size(), 100).ok());
  // What `voxfra endpoint log --json` writes for the newest two, in an answer.
  std::pmr::string want;
  JsonWriter w(want);
  w.begin_object().key("items").begin_array();
  write_request_log_entry(w, log[2]);
  write_request_log_entry(w, log[1]);
  w.end_array().field("requestId", "req-1").end_object();

  std::string acme = make_token("acme");
  ApiResponse two = get("v1/endpoints/" + mine + "/requests?limit=2", acme);
  ASSERT_EQ(two.status, 200) << two.body;
  EXPECT_EQ(two.body, std::string(want));
  ApiResponse all = get("v1/endpoints/" + mine + "/requests", acme);
  ASSERT_EQ(all.status, 200) << all.body;
  simdjson::dom::parser p;
  std::vector<std::string> ids;
  for (simdjson::dom::element e : parse(p, all.body)["items"].get_array()) {
    ids.emplace_back(std::string_view(e["requestId"].get_string()));
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"req-3", "req-2", "req-1"}));
  EXPECT_EQ(all.body.find("req-4"), std::string::npos) << "another endpoint's history";
  EXPECT_EQ(get("v1/endpoints/ep_QUIETQUIETQUIETQ/requests", acme).body, R"({"items":[],"requestId":"req-1"})");

  // Another org's endpoint is as absent as an unknown one; parameters are
  // checked first, whichever the endpoint.
  EXPECT_EQ(get("v1/endpoints/" + theirs + "/requests", acme).status, 404);
  EXPECT_EQ(get("v1/endpoints/ep_0000000000000000/requests", acme).status, 404);
  EXPECT_EQ(get("v1/endpoints/" + theirs + "/requests", make_token("globex")).status, 200);
  for (const char* query : {"limit=0", "limit=201", "cursor=abc"}) {
    EXPECT_EQ(get("v1/endpoints/" + mine + "/requests?" + query, acme).status, 400) << query;
    EXPECT_EQ(get("v1/endpoints/" + theirs + "/requests?" + query, acme).status, 400) << query;
  }
}

TEST_F(ApiTest, OlderEnvironmentWithoutTokensOpensReadOnly) {
  {
    Txn txn(*store_, true);
    ASSERT_EQ(mdb_drop(txn.get(), store_->tokens_dbi(), 1), 0);
    txn.commit();
  }
  store_.reset();
  Store reader(read_only_options());
  EXPECT_EQ(reader.tokens_dbi(), 0u);
  Txn txn(reader, false);
  EXPECT_TRUE(all_api_tokens(txn.get(), reader).empty());
  txn.commit();
  StoreOptions o = read_only_options();
  o.read_only = false;  // an existing environment's writer (create off) makes it
  Store writer(o);
  EXPECT_NE(writer.tokens_dbi(), 0u);
}

// A record our reader cannot parse (stored before variables were bounded:
// 1,100 levels deep) is a clear 500 with its cause for the error log, never
// a 200 with a broken body; with two revisions, nor is the merged answer.
TEST_F(ApiTest, AnUnreadableRecordIsA500WithALogLine) {
  const std::string deep = ",\"variables\":" + std::string(1100, '[') + std::string(1100, ']');
  const std::uint64_t first = store_call("acme", "dental", "deep-1", "call.ended", deep);
  store_call("acme", "dental", "deep-1", "call_analyzed");
  const std::string token = make_token("acme");
  for (const std::string& target : {"v1/calls/" + record_id(first), std::string("v1/providers/custom/calls/deep-1"),
                                    std::string("v1/calls")}) {
    ApiResponse r = get(target, token);
    EXPECT_EQ(r.status, 500) << target << ": " << r.body;
    simdjson::dom::parser p;
    EXPECT_EQ(std::string_view(parse(p, r.body)["reason"].get_string()), "internal_error") << target;
    EXPECT_NE(r.error_log.find("cannot be read back"), std::string::npos) << target << ": " << r.error_log;
  }
}

}  // namespace
}  // namespace voxfra
