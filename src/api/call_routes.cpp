// GET v1/calls, v1/calls/{recordId}, v1/providers/{provider}/calls/{callId}:
// calls as the CLI lists them (store/call_listing.h), revisions merged.
#include "api/page_cursor.h"
#include "api/routes.h"
#include "store/call_listing.h"

namespace voxfra::api {

namespace {

// Records looked at for one page at most: a page of a narrow filter over a
// large store may come back short, with a cursor to go on from.
constexpr std::size_t kScanBudget = 5000;
// And bytes of calls in one answer: past them the page ends early (calls
// with long transcripts), with a cursor at the last call it holds.
constexpr std::size_t kAnswerBudget = 4 << 20;

UnixMillis time_param(const RouteRequest& r, std::string_view name, UnixMillis absent) {
  auto text = r.query.value(name);
  if (!text) return absent;
  auto t = parse_iso8601(*text);
  if (!t) throw ApiFailure{ApiError::invalid_parameter, {{std::string(name), "is not an RFC 3339 time"}}};
  return *t;
}

ApiResponse one_call(const RouteRequest& r, const CallRevisions& call) {
  return ok_response(r.request_id, [&](JsonWriter& w) { w.key("call").raw(call.json()); });
}

}  // namespace

ApiResponse list_calls_route(const RouteRequest& r) {
  allow_params(r, "org client provider since until outcome limit cursor");
  CallFilter filter;
  filter.org = scoped_org(r);
  filter.client = r.query.value("client");
  filter.provider = provider_param(r);
  filter.outcome = r.query.value("outcome");
  filter.since = time_param(r, "since", filter.since);
  filter.until = time_param(r, "until", filter.until);
  std::size_t limit = limit_param(r);
  std::optional<CallPosition> from;
  if (auto cursor = r.query.value("cursor")) {
    from = decode_call_cursor(*cursor);
    if (!from) throw ApiFailure{ApiError::invalid_parameter, {{"cursor", "is not a cursor of this listing"}}};
  }
  CallPage page = page_calls(r.txn, r.store, filter, limit, from, kScanBudget);
  std::vector<std::string> items;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < page.calls.size(); ++i) {
    if (!items.empty() && bytes > kAnswerBudget) {
      page.next = CallPosition{page.top, page.listed_at[i - 1]};
      break;
    }
    items.push_back(page.calls[i].json());
    bytes += items.back().size();
  }
  return ok_response(r.request_id, [&](JsonWriter& w) {
    w.key("items").begin_array();
    for (const std::string& item : items) w.raw(item);
    w.end_array();
    if (page.next) w.field("nextCursor", encode_call_cursor(*page.next));
  });
}

ApiResponse call_route(const RouteRequest& r, std::string_view record_id) {
  allow_params(r, "");
  auto sequence = parse_record_id(record_id);
  if (!sequence) throw ApiFailure{ApiError::not_found, {}};
  auto record = find_record(r.txn, r.store, *sequence);
  // Another org's record is not found, not forbidden: nothing is said about it.
  if (!record || !r.token.covers(record->org)) throw ApiFailure{ApiError::not_found, {}};
  return one_call(r, call_revisions(r.txn, r.store, *record));
}

ApiResponse call_by_call_id_route(const RouteRequest& r, std::string_view provider_text, std::string_view call_id) {
  allow_params(r, "org client");
  auto provider = provider_from_name(provider_text);
  if (!provider) throw ApiFailure{ApiError::not_found, {}};
  std::vector<CallRevisions> calls =
      find_calls_by_call_id(r.txn, r.store, *provider, call_id, scoped_org(r), r.query.value("client"));
  if (calls.empty()) throw ApiFailure{ApiError::not_found, {}};
  if (calls.size() > 1) {
    std::vector<Problem> where;
    for (const CallRevisions& c : calls) {
      where.push_back({"org/client", std::string(c.newest().org) + "/" + std::string(c.newest().client)});
    }
    throw ApiFailure{ApiError::ambiguous, where};
  }
  return one_call(r, calls.front());
}

}  // namespace voxfra::api
