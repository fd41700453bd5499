// GET v1/token: what the request's token is and may do (the console asks,
// to show write controls to a token that may use them). GET v1/audit: who
// changed which endpoint how, newest first, for admin tokens.
#include "api/page_cursor.h"
#include "api/routes.h"
#include "store/audit_log.h"
#include "store/audit_log_json.h"

namespace voxfra::api {

ApiResponse token_route(const RouteRequest& r) {
  allow_params(r, "");
  return ok_response(r.request_id, [&](JsonWriter& w) {
    w.field("id", r.token.id).field("scope", r.token.scope).field("role", token_role_name(r.token.role));
    w.key("mayWrite").boolean(r.token.may_write());
  });
}

ApiResponse audit_route(const RouteRequest& r) {
  allow_params(r, "org endpoint limit cursor");
  if (r.token.role != TokenRole::admin) {
    throw ApiFailure{ApiError::forbidden, {}, "the audit log is read with a token of role admin"};
  }
  AuditQuery query;
  query.org = scoped_org(r);
  query.endpoint_id = r.query.value("endpoint");
  query.limit = limit_param(r) + 1;  // one more: is there a next page?
  if (auto cursor = r.query.value("cursor")) {
    query.before = decode_audit_cursor(*cursor);
    if (!query.before) throw ApiFailure{ApiError::invalid_parameter, {{"cursor", "is not a cursor of this listing"}}};
  }
  std::vector<AuditEntry> entries = read_audit_log(r.txn, r.store, query);
  const bool more = entries.size() == query.limit;
  if (more) entries.pop_back();
  return ok_response(r.request_id, [&](JsonWriter& w) {
    w.key("items").begin_array();
    for (const AuditEntry& e : entries) write_audit_entry(w, e);
    w.end_array();
    if (more) w.field("nextCursor", encode_audit_cursor(entries.back().sequence));
  });
}

}  // namespace voxfra::api
