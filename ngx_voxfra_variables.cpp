// The $voxfra_* variables for log_format: $voxfra_status, $voxfra_reason,
// $voxfra_endpoint, $voxfra_call_id, $voxfra_provider. Set once the request
// is answered, by the handler or by the error page (ngx_voxfra_error_page.cpp).

#include "ngx_voxfra_ingest.h"

namespace voxfra_ngx {

namespace {

enum class Var : uintptr_t { status, reason, endpoint, call_id, provider };

ngx_int_t get_variable(ngx_http_request_t* r, ngx_http_variable_value_t* v, uintptr_t data) {
  auto* ctx = request_ctx(r);
  std::string_view value;
  if (ctx != nullptr && (ctx->own_response || ctx->rewrite_error)) {
    switch (static_cast<Var>(data)) {
      case Var::status: value = voxfra::outcome_name(ctx->outcome); break;
      case Var::reason: value = voxfra::reason_name(ctx->reason); break;
      case Var::endpoint: value = ctx->endpoint_id; break;
      case Var::call_id: value = ctx->call_id; break;
      case Var::provider: value = ctx->provider; break;
    }
  }
  if (value.empty()) {
    v->not_found = 1;
    return NGX_OK;
  }
  v->data = reinterpret_cast<u_char*>(const_cast<char*>(value.data()));
  v->len = value.size();
  v->valid = 1;
  v->no_cacheable = 0;
  v->not_found = 0;
  return NGX_OK;
}

ngx_http_variable_t kVariables[] = {
    {ngx_string("voxfra_status"), nullptr, get_variable, static_cast<uintptr_t>(Var::status),
     NGX_HTTP_VAR_NOCACHEABLE, 0},
    {ngx_string("voxfra_reason"), nullptr, get_variable, static_cast<uintptr_t>(Var::reason),
     NGX_HTTP_VAR_NOCACHEABLE, 0},
    {ngx_string("voxfra_endpoint"), nullptr, get_variable, static_cast<uintptr_t>(Var::endpoint),
     NGX_HTTP_VAR_NOCACHEABLE, 0},
    {ngx_string("voxfra_call_id"), nullptr, get_variable, static_cast<uintptr_t>(Var::call_id),
     NGX_HTTP_VAR_NOCACHEABLE, 0},
    {ngx_string("voxfra_provider"), nullptr, get_variable, static_cast<uintptr_t>(Var::provider),
     NGX_HTTP_VAR_NOCACHEABLE, 0},
    ngx_http_null_variable};

}  // namespace

ngx_int_t add_ingest_variables(ngx_conf_t* cf) {
  for (ngx_http_variable_t* v = kVariables; v->name.len; ++v) {
    ngx_http_variable_t* var = ngx_http_add_variable(cf, &v->name, v->flags);
    if (var == nullptr) return NGX_ERROR;
    var->get_handler = v->get_handler;
    var->data = v->data;
  }
  return NGX_OK;
}

}  // namespace voxfra_ngx
