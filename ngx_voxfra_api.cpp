// The Management API handler: `voxfra_api [token_file=PATH];` in a prefix
// location answers GET <location>v1/... with JSON read from the worker's
// LMDB read transaction (memory reads, bounded answers: fine on the event
// loop). Routing, tokens and JSON are the core's (src/api); this file only
// turns an NGINX request into an ApiRequest and the answer into a response.

#include <exception>
#include <fstream>
#include <sstream>

#include "api/api.h"
#include "ngx_voxfra_module.h"

namespace voxfra_ngx {

namespace {

void free_token_file(void* data) { voxfra::free_api_token_file(static_cast<voxfra::ApiTokenFile*>(data)); }

// The path below the location ("/api/" + "v1/calls"), raw: the core
// decodes it segment by segment.
std::string_view path_below_location(ngx_http_request_t* r) {
  std::string_view raw = view(r->unparsed_uri);
  size_t question = raw.find('?');
  if (question != std::string_view::npos) raw = raw.substr(0, question);
  auto* clcf = static_cast<ngx_http_core_loc_conf_t*>(ngx_http_get_module_loc_conf(r, ngx_http_core_module));
  std::string_view prefix = view(clcf->name);
  if (raw.size() >= prefix.size() && raw.compare(0, prefix.size(), prefix) == 0) raw.remove_prefix(prefix.size());
  return raw;
}

ngx_int_t send_api_response(ngx_http_request_t* r, const voxfra::ApiResponse& response) {
  u_char* body = static_cast<u_char*>(ngx_pnalloc(r->pool, response.body.size() + 1));
  if (body == nullptr) return NGX_HTTP_INTERNAL_SERVER_ERROR;
  ngx_memcpy(body, response.body.data(), response.body.size());
  static ngx_str_t cache_control = ngx_string("Cache-Control");
  if (add_header(r, cache_control, "no-store") != NGX_OK) return NGX_ERROR;
  if (response.www_authenticate) {
    static ngx_str_t www_authenticate = ngx_string("WWW-Authenticate");
    if (add_header(r, www_authenticate, "Bearer realm=\"voxfra\"") != NGX_OK) return NGX_ERROR;
  }
  if (response.allow_get) {
    static ngx_str_t allow = ngx_string("Allow");
    if (add_header(r, allow, "GET") != NGX_OK) return NGX_ERROR;
  }
  return send_body(r, static_cast<ngx_uint_t>(response.status), ngx_string("application/json"),
                   {reinterpret_cast<char*>(body), response.body.size()});
}

ngx_int_t answer(ngx_http_request_t* r) {
  ngx_int_t rc = ngx_http_discard_request_body(r);
  if (rc != NGX_OK) return rc;
  auto* lcf = static_cast<LocConf*>(ngx_http_get_module_loc_conf(r, ngx_http_voxfra_module));
  voxfra::ApiRequest request;
  request.method = view(r->method_name);
  request.path = path_below_location(r);
  request.query = view(r->args);
  request.authorization = r->headers_in.authorization ? view(r->headers_in.authorization->value) : std::string_view();
  request.request_id = request_id(r);

  Worker* w = g_worker;
  const bool open = w != nullptr && w->reader != nullptr;
  voxfra::ApiResponse response;
  try {
    response = voxfra::handle_api_request(open ? w->store.get() : nullptr, open ? w->reader->txn() : nullptr,
                                          lcf->api_tokens, request);
  } catch (...) {
    if (open) w->reader->release();
    throw;
  }
  if (open) w->reader->release();  // the answer is a copy: nothing points into the map
  if (!response.error_log.empty()) {
    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "voxfra_api: %s", response.error_log.c_str());
  }
  return send_api_response(r, response);
}

}  // namespace

ngx_int_t api_handler(ngx_http_request_t* r) {
  try {
    try {
      return answer(r);
    } catch (const std::exception& e) {
      // The read transaction could not be renewed, or memory ran out: a JSON
      // 500 like every other answer, when there is still room to make one.
      ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0, "voxfra_api: %s", e.what());
      return send_api_response(r, voxfra::api_internal_error(request_id(r)));
    }
  } catch (...) {
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
}

char* set_api(ngx_conf_t* cf, ngx_command_t*, void* conf) {
  auto* lcf = static_cast<LocConf*>(conf);
  if (lcf->api != NGX_CONF_UNSET) return const_cast<char*>("is duplicate");
  if (lcf->ingest == 1) return const_cast<char*>("cannot share a location with \"voxfra_ingest\"");
  lcf->api = 1;
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  for (ngx_uint_t i = 1; i < cf->args->nelts; ++i) {
    std::string_view a = view(args[i]);
    if (a.rfind("token_file=", 0) != 0 || a.size() == 11 || lcf->api_tokens != nullptr) {
      return conf_fail(cf, "invalid parameter \"%V\"", &args[i]);
    }
    ngx_str_t path{args[i].len - 11, args[i].data + 11};
    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) return static_cast<char*>(NGX_CONF_ERROR);
    std::string file(view(path));
    std::ifstream in(file, std::ios::binary);
    if (!in) return conf_fail(cf, "cannot read token_file \"%s\"", file.c_str());
    std::ostringstream text;
    text << in.rdbuf();
    ngx_pool_cleanup_t* cleanup = ngx_pool_cleanup_add(cf->pool, 0);
    if (cleanup == nullptr) return static_cast<char*>(NGX_CONF_ERROR);
    try {
      lcf->api_tokens = voxfra::load_api_token_file(text.str());
    } catch (const std::exception& e) {
      return conf_fail(cf, "token_file \"%s\": %s", file.c_str(), e.what());
    }
    cleanup->handler = free_token_file;
    cleanup->data = lcf->api_tokens;
  }
  auto* clcf = static_cast<ngx_http_core_loc_conf_t*>(ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));
  clcf->handler = api_handler;
  return NGX_CONF_OK;
}

}  // namespace voxfra_ngx
