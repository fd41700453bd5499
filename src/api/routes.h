// Inside the Management API: what every route gets, how it fails, and the
// query parameters the routes share. Private to src/api.
#pragma once
#include <lmdb.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "api/api_tokens.h"
#include "api/query.h"
#include "store/endpoint.h"
#include "util/json_writer.h"

namespace voxfra::api {

enum class ApiError {
  invalid_parameter,  // 400
  unauthorized,       // 401
  forbidden,          // 403
  not_found,          // 404
  method_not_allowed, // 405
  ambiguous,          // 409
  internal_error,     // 500
  store_unavailable,  // 503
};

struct Problem {
  std::string field;
  std::string problem;
};

// Thrown by a route, answered by handle_api_request.
struct ApiFailure {
  ApiError error;
  std::vector<Problem> details;
};

ApiResponse error_response(ApiError error, std::string_view request_id, const std::vector<Problem>& details = {});

struct RouteRequest {
  const Store& store;
  MDB_txn* txn;
  const TokenScope& token;
  const Query& query;
  std::string_view request_id;
};

// A success answer: `write_members` adds the members after which requestId
// comes, inside one object.
template <typename WriteMembers>
ApiResponse ok_response(std::string_view request_id, WriteMembers write_members) {
  std::pmr::string out;
  JsonWriter w(out);
  w.begin_object();
  write_members(w);
  w.field("requestId", request_id);
  w.end_object();
  return ApiResponse{200, std::string(out), false, false, {}};
}

// Query parameters. Each throws ApiFailure invalid_parameter naming itself.
void allow_params(const RouteRequest& r, std::string_view allowed);
// The org the answer is limited to: the one asked for (403 unless the token
// covers it), else the token's own; nullopt for an all-orgs token that
// asked for none.
std::optional<std::string> scoped_org(const RouteRequest& r);
std::optional<Provider> provider_param(const RouteRequest& r);
std::size_t limit_param(const RouteRequest& r);

// Routes
ApiResponse list_calls_route(const RouteRequest& r);
ApiResponse call_route(const RouteRequest& r, std::string_view record_id);
ApiResponse call_by_call_id_route(const RouteRequest& r, std::string_view provider, std::string_view call_id);
ApiResponse orgs_route(const RouteRequest& r);
ApiResponse list_endpoints_route(const RouteRequest& r);
ApiResponse endpoint_route(const RouteRequest& r, std::string_view id);
ApiResponse endpoint_requests_route(const RouteRequest& r, std::string_view id);

// The endpoint with public id `id` if the token covers its org (another
// org's is as absent as an unknown one). For the routes below an endpoint
// too (v1/endpoints/{id}/requests).
std::optional<Endpoint> endpoint_in_scope(const RouteRequest& r, std::string_view id);

}  // namespace voxfra::api
