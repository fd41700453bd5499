// The Management API (README "Management API"), without NGINX: the glue
// (ngx_voxfra_api.cpp) hands it the request's method, raw path below the
// location, raw query and Authorization header, and sends back what it
// answers. Reads (GET) are answered from the worker's read transaction on
// the event loop; writes (POST, PATCH) with their body on the thread pool,
// in a write transaction of their own. Every answer is JSON with
// requestId, errors in the ingest contract's shape.
// C++17: the glue includes it.
#pragma once
#include "store/lmdb_fwd.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace voxfra {

struct ApiRequest {
  std::string_view method;         // "GET"
  std::string_view path;           // below the location, raw: "v1/calls/0000000000000001"
  std::string_view query;          // raw, without '?'
  std::string_view authorization;  // the header's value, empty when absent
  std::string_view request_id;
  // Writes only:
  std::string_view body;
  std::string_view content_type;     // the header's value, empty when absent
  std::string_view idempotency_key;  // the header's value, empty when absent
};

// Bodies larger than this are refused (413) before they are read.
inline constexpr std::size_t kMaxApiBody = 64 * 1024;

// Whether the glue answers `method` with handle_api_write (after reading
// the body, on the thread pool) rather than handle_api_request.
bool api_method_writes(std::string_view method);

struct ApiWriteSettings {
  std::uint32_t changes_per_minute = 60;  // a token's endpoint changes (`voxfra_api write_limit=`)
  std::int64_t fleet_wait_ms = 5000;      // on a fleet node, how long a change waits for voxfra-fleet
};

struct ApiResponse {
  int status = 200;
  std::string body;
  bool www_authenticate = false;  // 401: add `WWW-Authenticate: Bearer`
  std::string allow;              // 405: the route's methods, for `Allow:`
  int retry_after = 0;            // 429: seconds, for `Retry-After:`
  bool replayed = false;          // an Idempotency-Key's earlier answer: `Idempotent-Replayed: true`
  std::string error_log;          // a 500's cause, for the glue to log
  // Not an answer yet: the change is queued for voxfra-fleet (a fleet
  // node); the glue polls api_fleet_answer with this id.
  std::uint64_t fleet_request = 0;
};

// The tokens of a `voxfra_api token_file=` (api/api_tokens.h), parsed once.
struct ApiTokenFile;
// Throws std::runtime_error naming the bad line.
ApiTokenFile* load_api_token_file(std::string_view text);
void free_api_token_file(ApiTokenFile* file);

// `store` and `txn` are null when the store could not be opened (every
// route but health answers 503 then). `file` may be null. Never throws.
ApiResponse handle_api_request(const Store* store, MDB_txn* txn, const ApiTokenFile* file,
                               const ApiRequest& request);
// A write, in a write transaction of its own (the caller is a pool thread:
// the commit syncs). `store` is null when the store could not be opened.
// Never throws.
ApiResponse handle_api_write(Store* store, const ApiTokenFile* file, const ApiWriteSettings& settings,
                             const ApiRequest& request);
// The answer to the change queued as `fleet_request`, read in `txn` (a
// read transaction, fresh at each call); nullopt while voxfra-fleet has
// not answered and the wait has not ended. Never throws.
std::optional<ApiResponse> api_fleet_answer(const Store& store, MDB_txn* txn, std::uint64_t fleet_request,
                                            std::string_view request_id);
// The 500 answer, for when the glue itself fails around the call.
ApiResponse api_internal_error(std::string_view request_id);
// The 413 answer, for a body the glue refuses before reading it.
ApiResponse api_body_too_large(std::string_view request_id);

}  // namespace voxfra
