// JSON for NGINX's own errors inside an ingest location: a body over
// voxfra_max_body while it is read, a broken chunked encoding, an internal
// error. The contract's answer replaces the HTML error page.

#include <exception>

#include "ingest/response.h"
#include "ngx_voxfra_ingest.h"

namespace voxfra_ngx {

using voxfra::Outcome;
using voxfra::Reason;

namespace {

ngx_http_request_body_filter_pt next_request_body_filter;
ngx_http_output_header_filter_pt next_header_filter;
ngx_http_output_body_filter_pt next_body_filter;

// Counts the body as NGINX decodes it, so that a chunked body is refused as
// soon as it grows past voxfra_max_body, not after it was all read.
ngx_int_t request_body_filter(ngx_http_request_t* r, ngx_chain_t* in) {
  auto* ctx = request_ctx(r);
  if (ctx != nullptr && ctx->limit_body) {
    for (ngx_chain_t* cl = in; cl; cl = cl->next) ctx->body_seen += ngx_buf_size(cl->buf);
    if (ctx->body_seen > ctx->max_body) {
      ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                    "voxfra: request body is larger than voxfra_max_body %O", ctx->max_body);
      ctx->limit_body = false;
      ctx->outcome = Outcome::rejected;
      ctx->reason = Reason::body_too_large;
      r->keepalive = 0;
      return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }
  }
  return next_request_body_filter(r, in);
}

Reason reason_for_status(ngx_uint_t status) {
  switch (status) {
    case NGX_HTTP_REQUEST_ENTITY_TOO_LARGE: return Reason::body_too_large;
    case NGX_HTTP_BAD_REQUEST: return Reason::bad_request;
    default: return Reason::internal_error;
  }
}

// An error NGINX answers by itself inside an ingest location (a chunked
// body over the limit, a broken chunked encoding, an internal error) gets
// the contract's JSON instead of the HTML error page.
ngx_int_t header_filter(ngx_http_request_t* r) {
  auto* ctx = request_ctx(r);
  if (ctx == nullptr || ctx->own_response || r != r->main || r->headers_out.status < 400) {
    return next_header_filter(r);
  }
  try {
    if (ctx->outcome != Outcome::rejected || ctx->reason == Reason::none) {
      ctx->outcome = Outcome::rejected;
      ctx->reason = reason_for_status(r->headers_out.status);
    }
    count(ctx);
    voxfra::ResponseFields f;
    f.outcome = Outcome::rejected;
    f.reason = ctx->reason;
    f.request_id = request_id(r);
    std::string_view body = voxfra::write_response(f, ctx->mem);
    ctx->rewrite_error = true;
    ctx->error_body = body;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = nullptr;
    r->headers_out.content_length_n = static_cast<off_t>(body.size());
    if (r->headers_out.content_length) {
      r->headers_out.content_length->hash = 0;
      r->headers_out.content_length = nullptr;
    }
    static ngx_str_t x_request_id = ngx_string("X-Request-Id");
    if (add_header(r, x_request_id, f.request_id) != NGX_OK) return NGX_ERROR;
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0, "voxfra: %s", e.what());
    return NGX_ERROR;
  }
  return next_header_filter(r);
}

ngx_int_t body_filter(ngx_http_request_t* r, ngx_chain_t* in) {
  auto* ctx = request_ctx(r);
  if (ctx == nullptr || !ctx->rewrite_error) return next_body_filter(r, in);
  // Swallow the HTML page; send the JSON once, in its place.
  for (ngx_chain_t* cl = in; cl; cl = cl->next) cl->buf->pos = cl->buf->last;
  if (ctx->error_body.empty()) return NGX_OK;
  ngx_buf_t* b = static_cast<ngx_buf_t*>(ngx_calloc_buf(r->pool));
  if (b == nullptr) return NGX_ERROR;
  b->pos = reinterpret_cast<u_char*>(const_cast<char*>(ctx->error_body.data()));
  b->last = b->pos + ctx->error_body.size();
  b->memory = 1;
  b->last_buf = 1;
  b->last_in_chain = 1;
  ctx->error_body = {};
  ngx_chain_t out{b, nullptr};
  return next_body_filter(r, &out);
}

}  // namespace

void install_ingest_filters() {
  next_request_body_filter = ngx_http_top_request_body_filter;
  ngx_http_top_request_body_filter = request_body_filter;
  next_header_filter = ngx_http_top_header_filter;
  ngx_http_top_header_filter = header_filter;
  next_body_filter = ngx_http_top_body_filter;
  ngx_http_top_body_filter = body_filter;
}

}  // namespace voxfra_ngx
