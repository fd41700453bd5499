// The Management API's front door: method, health, token, route.
#include "api/api.h"

#include <exception>

#include "api/routes.h"
#include "store/audit_log.h"
#include "store/fleet_state.h"

namespace voxfra {

struct ApiTokenFile {
  std::vector<FileApiToken> tokens;
};

ApiTokenFile* load_api_token_file(std::string_view text) { return new ApiTokenFile{parse_token_file(text)}; }

void free_api_token_file(ApiTokenFile* file) { delete file; }

namespace api {

namespace {

struct ErrorInfo {
  int status;
  std::string_view reason;
  std::string_view message;
};

ErrorInfo info(ApiError e) {
  switch (e) {
    case ApiError::invalid_parameter: return {400, "invalid_parameter", "a query parameter is not valid"};
    case ApiError::invalid_body: return {400, "invalid_body", "the request body is not valid"};
    case ApiError::unauthorized: return {401, "unauthorized", "a valid bearer token is required"};
    case ApiError::forbidden: return {403, "forbidden", "the token does not cover this organization"};
    case ApiError::read_only_token:
      return {403, "forbidden", "the token may only read; changes need a token of role write or admin"};
    case ApiError::not_found: return {404, "not_found", "no such resource"};
    case ApiError::method_not_allowed: return {405, "method_not_allowed", "the route does not answer this method"};
    case ApiError::ambiguous: return {409, "ambiguous", "several calls match; narrow with org and client"};
    case ApiError::conflict: return {409, "conflict", "an active endpoint for this org, client and provider exists"};
    case ApiError::endpoint_revoked: return {409, "endpoint_revoked", "the endpoint is revoked"};
    case ApiError::unverifiable: return {409, "unverifiable", "the endpoint could verify no delivery after this"};
    case ApiError::idempotency_key_reused:
      return {409, "idempotency_key_reused", "the Idempotency-Key was used for another request"};
    case ApiError::payload_too_large: return {413, "payload_too_large", "the request body is larger than 64 KiB"};
    case ApiError::unsupported_media_type:
      return {415, "unsupported_media_type", "the request body must be application/json"};
    case ApiError::rate_limited: return {429, "rate_limited", "the token made too many changes this minute"};
    case ApiError::internal_error: return {500, "internal_error", "the request could not be answered"};
    case ApiError::store_unavailable: return {503, "store_unavailable", "the store is not open"};
    case ApiError::fleet_unavailable:
      return {503, "fleet_unavailable", "the fleet did not take the change in time; nothing was changed"};
    case ApiError::fleet_unconfirmed:
      return {504, "fleet_unconfirmed",
              "the fleet did not confirm the change in time; it may have been made: check GET v1/endpoints"};
  }
  return {500, "internal_error", "the request could not be answered"};
}

// Health needs no token: a load balancer's probe carries none, and it says
// nothing about any organization.
ApiResponse health(const Store* store, MDB_txn* txn, std::string_view request_id) {
  if (store == nullptr || txn == nullptr) {
    std::pmr::string out;
    JsonWriter w(out);
    w.begin_object().field("status", "unavailable").key("store").begin_object();
    w.key("open").boolean(false).end_object();
    w.field("requestId", request_id).end_object();
    ApiResponse response;
    response.status = 503;
    response.body = std::string(out);
    return response;
  }
  // Plain variables: clang 14 (the fuzz build) cannot capture structured bindings.
  const std::pair<std::uint64_t, std::uint64_t> usage = store->map_usage();
  const std::uint64_t used = usage.first, size = usage.second;
  std::uint32_t schema = store->schema_version(txn);
  return ok_response(request_id, [&](JsonWriter& w) {
    w.field("status", "ok").key("store").begin_object();
    w.key("open").boolean(true);
    w.key("schemaVersion").integer(schema);
    w.key("mapUsedBytes").integer(static_cast<std::int64_t>(used));
    w.key("mapSizeBytes").integer(static_cast<std::int64_t>(size));
    w.key("mapUsedRatio").number(size ? static_cast<double>(used) / static_cast<double>(size) : 0.0);
    w.end_object();
  });
}

using Segments = std::vector<std::string>;

bool method_in(std::string_view method, std::string_view methods) {
  for (std::size_t at = 0; at < methods.size();) {
    std::size_t end = methods.find(", ", at);
    if (methods.substr(at, end == std::string_view::npos ? end : end - at) == method) return true;
    at = end == std::string_view::npos ? methods.size() : end + 2;
  }
  return false;
}

// Answers 404 for a path no route has, 405 (with Allow) for one that does
// not answer `method`.
void check_method(std::string_view method, const Segments& segments) {
  std::string_view methods = route_methods(segments);
  if (methods.empty()) throw ApiFailure{ApiError::not_found, {}, {}};
  if (!method_in(method, methods)) throw MethodNotAllowed{std::string(methods)};
}

ApiResponse route(const RouteRequest& r, const Segments& s) {
  const std::size_t n = s.size();
  if (n >= 2 && s[0] == "v1") {
    const std::string& what = s[1];
    if (what == "token" && n == 2) return token_route(r);
    if (what == "audit" && n == 2) return audit_route(r);
    if (what == "calls" && n == 2) return list_calls_route(r);
    if (what == "calls" && n == 3) return call_route(r, s[2]);
    if (what == "providers" && n == 5 && s[3] == "calls") return call_by_call_id_route(r, s[2], s[4]);
    if (what == "orgs" && n == 2) return orgs_route(r);
    if (what == "endpoints" && n == 2) return list_endpoints_route(r);
    if (what == "endpoints" && n == 3) return endpoint_route(r, s[2]);
    if (what == "endpoints" && n == 4 && s[3] == "requests") return endpoint_requests_route(r, s[2]);
  }
  throw ApiFailure{ApiError::not_found, {}, {}};
}

// The token of the request, or the 401 to answer.
std::optional<TokenScope> token_of(MDB_txn* txn, const Store& store, const ApiTokenFile* file,
                                   const ApiRequest& request) {
  auto token = bearer_token(request.authorization);
  if (!token) return std::nullopt;
  return authenticate(txn, store, file ? std::span<const FileApiToken>(file->tokens) : std::span<const FileApiToken>(),
                      *token);
}

ApiResponse unauthorized(std::string_view request_id) {
  ApiResponse response = error_response(ApiError::unauthorized, request_id);
  response.www_authenticate = true;
  return response;
}

Query parse_query(std::string_view text) {
  auto query = Query::parse(text);
  if (!query) throw ApiFailure{ApiError::invalid_parameter, {{"query", "is not valid percent-encoding"}}, {}};
  if (auto name = query->repeated()) {
    throw ApiFailure{ApiError::invalid_parameter, {{*name, "is given more than once"}}, {}};
  }
  return std::move(*query);
}

Segments segments_of(const ApiRequest& request) {
  auto segments = path_segments(request.path);
  if (!segments) throw ApiFailure{ApiError::not_found, {}, {}};
  return std::move(*segments);
}

ApiResponse answer(const Store* store, MDB_txn* txn, const ApiTokenFile* file, const ApiRequest& request) {
  Segments segments = segments_of(request);
  check_method(request.method, segments);
  if (segments == Segments{"v1", "health"}) return health(store, txn, request.request_id);
  if (store == nullptr || txn == nullptr) throw ApiFailure{ApiError::store_unavailable, {}, {}};
  auto scope = token_of(txn, *store, file, request);
  if (!scope) return unauthorized(request.request_id);
  Query query = parse_query(request.query);
  RouteRequest r{*store, txn, *scope, query, request.request_id};
  return route(r, segments);
}

// The same checks in the order of answer(), then the token's right to
// change and its write limit; on a fleet node the change is queued for
// the fleet (fleet_writes.cpp).
ApiResponse answer_write(Store* store, const ApiTokenFile* file, const ApiWriteSettings& settings,
                         const ApiRequest& request) {
  Segments segments = segments_of(request);
  check_method(request.method, segments);
  if (store == nullptr) throw ApiFailure{ApiError::store_unavailable, {}, {}};
  if (request.body.size() > kMaxApiBody) throw ApiFailure{ApiError::payload_too_large, {}, {}};
  Txn txn(*store, true);
  auto scope = token_of(txn.get(), *store, file, request);
  if (!scope) return unauthorized(request.request_id);
  if (!scope->may_write()) throw ApiFailure{ApiError::read_only_token, {}, {}};
  Query query = parse_query(request.query);
  if (auto name = query.unknown("")) {
    throw ApiFailure{ApiError::invalid_parameter, {{*name, "is not a parameter of this route (it takes none)"}}, {}};
  }
  const UnixMillis now = now_millis();
  if (count_changes_since(txn.get(), *store, scope->id, now - 60'000) >= settings.changes_per_minute) {
    ApiResponse response = error_response(ApiError::rate_limited, request.request_id);
    response.retry_after = 60;
    return response;
  }
  RouteRequest r{*store, txn.get(), *scope, query, request.request_id};
  if (mirrored_by(txn.get(), *store)) return queue_fleet_write(r, request, segments, txn, settings.fleet_wait_ms);
  StoreEndpointBook book(txn.get(), *store);
  r.book = &book;
  ApiResponse response = write_route(r, request, segments);
  if (response.status < 300) txn.commit();
  return response;
}

}  // namespace

std::string_view route_methods(const std::vector<std::string>& s) {
  const std::size_t n = s.size();
  if (n < 2 || s[0] != "v1") return {};
  const std::string& what = s[1];
  if (n == 2 && (what == "health" || what == "token" || what == "audit" || what == "calls" || what == "orgs")) {
    return "GET";
  }
  if (what == "calls" && n == 3) return "GET";
  if (what == "providers" && n == 5 && s[3] == "calls") return "GET";
  if (what != "endpoints") return {};
  if (n == 2) return "GET, POST";
  if (n == 3) return "GET, PATCH";
  if (n == 4 && s[3] == "requests") return "GET";
  if (n == 4 && (s[3] == "disable" || s[3] == "enable" || s[3] == "revoke" || s[3] == "replace" ||
                 s[3] == "rotate-secret")) {
    return "POST";
  }
  return {};
}

ApiResponse error_response(ApiError error, std::string_view request_id, const std::vector<Problem>& details,
                           std::string_view message) {
  ErrorInfo e = info(error);
  std::pmr::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("status", "rejected").field("reason", e.reason).field("error", message.empty() ? e.message : message);
  w.field("requestId", request_id);
  if (!details.empty()) {
    w.key("details").begin_array();
    for (const Problem& p : details) w.begin_object().field("field", p.field).field("problem", p.problem).end_object();
    w.end_array();
  }
  w.end_object();
  ApiResponse response;
  response.status = e.status;
  response.body = std::string(out);
  return response;
}

}  // namespace api

ApiResponse api_internal_error(std::string_view request_id) {
  try {
    return api::error_response(api::ApiError::internal_error, request_id);
  } catch (...) {
    ApiResponse response;
    response.status = 500;
    response.body = "{\"status\":\"rejected\",\"reason\":\"internal_error\"}";
    return response;
  }
}

ApiResponse api_body_too_large(std::string_view request_id) {
  return api::answering(request_id, [&]() -> ApiResponse { throw api::ApiFailure{api::ApiError::payload_too_large}; });
}

bool api_method_writes(std::string_view method) { return method == "POST" || method == "PATCH"; }

ApiResponse handle_api_request(const Store* store, MDB_txn* txn, const ApiTokenFile* file,
                               const ApiRequest& request) {
  return api::answering(request.request_id, [&] { return api::answer(store, txn, file, request); });
}

ApiResponse handle_api_write(Store* store, const ApiTokenFile* file, const ApiWriteSettings& settings,
                             const ApiRequest& request) {
  return api::answering(request.request_id, [&] { return api::answer_write(store, file, settings, request); });
}

}  // namespace voxfra
