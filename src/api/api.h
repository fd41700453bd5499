// The read-only Management API (README "Management API"), without NGINX:
// the glue (ngx_voxfra_api.cpp) hands it the request's method, raw path
// below the location, raw query and Authorization header, with the
// worker's read transaction, and sends back what it answers. Every answer
// is JSON with requestId, errors in the ingest contract's shape.
// C++17: the glue includes it.
#pragma once
#include "store/lmdb_fwd.h"

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
};

struct ApiResponse {
  int status = 200;
  std::string body;
  bool www_authenticate = false;  // 401: add `WWW-Authenticate: Bearer`
  bool allow_get = false;         // 405: add `Allow: GET`
  std::string error_log;          // a 500's cause, for the glue to log
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
// The 500 answer, for when the glue itself fails around the call.
ApiResponse api_internal_error(std::string_view request_id);

}  // namespace voxfra
