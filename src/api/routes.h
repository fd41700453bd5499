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
#include "endpoints/endpoint_book.h"
#include "store/endpoint.h"
#include "util/json_writer.h"

namespace voxfra::api {

enum class ApiError {
  invalid_parameter,       // 400
  invalid_body,            // 400
  unauthorized,            // 401
  forbidden,               // 403: another org's
  read_only_token,         // 403: a change with a read token
  not_found,               // 404
  method_not_allowed,      // 405
  ambiguous,               // 409
  conflict,                // 409: a second active endpoint
  endpoint_revoked,        // 409
  unverifiable,            // 409: the endpoint could verify no delivery after it
  idempotency_key_reused,  // 409
  payload_too_large,       // 413
  unsupported_media_type,  // 415
  rate_limited,            // 429
  internal_error,          // 500
  store_unavailable,       // 503
  fleet_unavailable,       // 503: voxfra-fleet did not take the change; it was not made
  fleet_unconfirmed,       // 504: voxfra-fleet took the change but did not answer in time
};

struct Problem {
  std::string field;
  std::string problem;
};

// Thrown by a route, answered by handle_api_request. `message`, when set,
// says more than the error's own sentence (the rules' refusals).
struct ApiFailure {
  ApiFailure(ApiError error, std::vector<Problem> details = {}, std::string message = {})
      : error(error), details(std::move(details)), message(std::move(message)) {}
  ApiError error;
  std::vector<Problem> details;
  std::string message;
};

ApiResponse error_response(ApiError error, std::string_view request_id, const std::vector<Problem>& details = {},
                           std::string_view message = {});

struct RouteRequest {
  const Store& store;
  MDB_txn* txn;
  const TokenScope& token;
  const Query& query;
  std::string_view request_id;
  // Writes: where the rules change endpoints (the store's, in `txn`; on a
  // fleet node the fleet's bucket, in voxfra-fleet).
  EndpointBook* book = nullptr;
  // Set when `txn` is a read transaction (voxfra-fleet's): an answer due
  // under the Idempotency-Key is flagged here for the caller to keep.
  bool* keep_answer_later = nullptr;
};

// A success answer: `write_members` adds the members after which requestId
// comes, inside one object.
template <typename WriteMembers>
ApiResponse ok_response(std::string_view request_id, WriteMembers write_members, int status = 200) {
  std::pmr::string out;
  JsonWriter w(out);
  w.begin_object();
  write_members(w);
  w.field("requestId", request_id);  // last: an idempotent replay swaps it (write_routes.cpp)
  w.end_object();
  ApiResponse response;
  response.status = status;
  response.body = std::string(out);
  return response;
}

// Query parameters. Each throws ApiFailure invalid_parameter naming itself.
void allow_params(const RouteRequest& r, std::string_view allowed);
// The org the answer is limited to: the one asked for (403 unless the token
// covers it), else the token's own; nullopt for an all-orgs token that
// asked for none.
std::optional<std::string> scoped_org(const RouteRequest& r);
std::optional<Provider> provider_param(const RouteRequest& r);
std::size_t limit_param(const RouteRequest& r);

// The methods a path answers ("GET", "GET, POST", ...), empty for none.
std::string_view route_methods(const std::vector<std::string>& segments);

// Routes
ApiResponse token_route(const RouteRequest& r);
ApiResponse audit_route(const RouteRequest& r);
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
// An endpoint as the API shows it: never a secret, the slug's prefix only.
void write_endpoint(JsonWriter& w, const Endpoint& e, const EndpointStats& s);

// Writes (write_routes.cpp), through r.book; the caller commits.
ApiResponse write_route(const RouteRequest& r, const ApiRequest& request, const std::vector<std::string>& segments);
// Keeps `response` as the answer to `request`'s Idempotency-Key (in a write transaction).
void keep_idempotent_answer(MDB_txn* txn, const Store& store, std::string_view token_id, const ApiRequest& request,
                            const ApiResponse& response);

// On a fleet node (fleet_writes.cpp): checks the change against the node's
// mirror and queues it for voxfra-fleet in `txn`, which it commits; the
// answer has fleet_request set, for the glue to wait on (api_fleet_answer).
ApiResponse queue_fleet_write(const RouteRequest& r, const ApiRequest& request, const std::vector<std::string>& segments,
                              Txn& txn, std::int64_t wait_ms);

struct MethodNotAllowed {
  std::string allow;
};

// Every failure as its answer; a 500's cause kept for the glue to log.
template <typename Answer>
ApiResponse answering(std::string_view request_id, Answer answer_request) {
  try {
    try {
      return answer_request();
    } catch (const MethodNotAllowed& m) {
      ApiResponse response = error_response(ApiError::method_not_allowed, request_id);
      response.allow = m.allow;
      return response;
    } catch (const ApiFailure& f) {
      return error_response(f.error, request_id, f.details, f.message);
    } catch (const std::exception& e) {
      ApiResponse response = api_internal_error(request_id);
      response.error_log = e.what();
      return response;
    }
  } catch (...) {
    return api_internal_error(request_id);
  }
}

}  // namespace voxfra::api
