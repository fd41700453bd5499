// The Management API's front door: method, health, token, route.
#include "api/api.h"

#include <exception>

#include "api/routes.h"

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
    case ApiError::unauthorized: return {401, "unauthorized", "a valid bearer token is required"};
    case ApiError::forbidden: return {403, "forbidden", "the token does not cover this organization"};
    case ApiError::not_found: return {404, "not_found", "no such resource"};
    case ApiError::method_not_allowed: return {405, "method_not_allowed", "the Management API is read-only: GET"};
    case ApiError::ambiguous: return {409, "ambiguous", "several calls match; narrow with org and client"};
    case ApiError::internal_error: return {500, "internal_error", "the request could not be answered"};
    case ApiError::store_unavailable: return {503, "store_unavailable", "the store is not open"};
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
    return ApiResponse{503, std::string(out), false, false, {}};
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

ApiResponse route(const RouteRequest& r, const Segments& s) {
  const std::size_t n = s.size();
  if (n >= 2 && s[0] == "v1") {
    const std::string& what = s[1];
    if (what == "calls" && n == 2) return list_calls_route(r);
    if (what == "calls" && n == 3) return call_route(r, s[2]);
    if (what == "providers" && n == 5 && s[3] == "calls") return call_by_call_id_route(r, s[2], s[4]);
    if (what == "orgs" && n == 2) return orgs_route(r);
    if (what == "endpoints" && n == 2) return list_endpoints_route(r);
    if (what == "endpoints" && n == 3) return endpoint_route(r, s[2]);
    if (what == "endpoints" && n == 4 && s[3] == "requests") return endpoint_requests_route(r, s[2]);
  }
  throw ApiFailure{ApiError::not_found, {}};
}

ApiResponse answer(const Store* store, MDB_txn* txn, const ApiTokenFile* file, const ApiRequest& request) {
  if (request.method != "GET") {
    ApiResponse response = error_response(ApiError::method_not_allowed, request.request_id);
    response.allow_get = true;
    return response;
  }
  auto segments = path_segments(request.path);
  if (!segments) throw ApiFailure{ApiError::not_found, {}};
  if (*segments == Segments{"v1", "health"}) return health(store, txn, request.request_id);
  if (store == nullptr || txn == nullptr) throw ApiFailure{ApiError::store_unavailable, {}};

  auto token = bearer_token(request.authorization);
  std::optional<TokenScope> scope;
  if (token) scope = authenticate(txn, *store, file ? std::span<const FileApiToken>(file->tokens) : std::span<const FileApiToken>(), *token);
  if (!scope) {
    ApiResponse response = error_response(ApiError::unauthorized, request.request_id);
    response.www_authenticate = true;
    return response;
  }
  auto query = Query::parse(request.query);
  if (!query) throw ApiFailure{ApiError::invalid_parameter, {{"query", "is not valid percent-encoding"}}};
  if (auto name = query->repeated()) throw ApiFailure{ApiError::invalid_parameter, {{*name, "is given more than once"}}};
  RouteRequest r{*store, txn, *scope, *query, request.request_id};
  return route(r, *segments);
}

}  // namespace

ApiResponse error_response(ApiError error, std::string_view request_id, const std::vector<Problem>& details) {
  ErrorInfo e = info(error);
  std::pmr::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("status", "rejected").field("reason", e.reason).field("error", e.message);
  w.field("requestId", request_id);
  if (!details.empty()) {
    w.key("details").begin_array();
    for (const Problem& p : details) w.begin_object().field("field", p.field).field("problem", p.problem).end_object();
    w.end_array();
  }
  w.end_object();
  return ApiResponse{e.status, std::string(out), false, false, {}};
}

}  // namespace api

ApiResponse api_internal_error(std::string_view request_id) {
  try {
    return api::error_response(api::ApiError::internal_error, request_id);
  } catch (...) {
    return ApiResponse{500, "{\"status\":\"rejected\",\"reason\":\"internal_error\"}", false, false, {}};
  }
}

ApiResponse handle_api_request(const Store* store, MDB_txn* txn, const ApiTokenFile* file,
                               const ApiRequest& request) {
  using namespace api;
  try {
    try {
      return answer(store, txn, file, request);
    } catch (const ApiFailure& f) {
      return error_response(f.error, request.request_id, f.details);
    } catch (const std::exception& e) {
      ApiResponse response = api_internal_error(request.request_id);
      response.error_log = e.what();
      return response;
    }
  } catch (...) {
    return api_internal_error(request.request_id);
  }
}

}  // namespace voxfra
