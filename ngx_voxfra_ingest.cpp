// The ingest handler: POST /webhooks/{provider}/{slug}, in the order of the
// request contract (docs/design.md, "The request contract"). It reads the body, hands the core plain
// bytes, queues accepted calls for the group commit on the thread pool and
// turns verdicts into JSON answers (NGINX's own error pages get the same
// JSON: ngx_voxfra_error_page.cpp).

#include <cstring>
#include <exception>

#include "base/provider.h"
#include "ingest/response.h"
#include "ngx_voxfra_ingest.h"
#include "util/mask.h"
#include "util/printable.h"

namespace voxfra_ngx {

using voxfra::Outcome;
using voxfra::Reason;

namespace {

// Every answered request: the metrics, and the endpoint's history.
void observe(RequestCtx* ctx) {
  ngx_http_request_t* r = ctx->r;
  RequestObservation o;
  o.provider = ctx->provider;
  o.endpoint_id = ctx->endpoint_id;
  o.request_id = request_id(r);
  o.call_id = ctx->call_id;
  o.outcome = ctx->outcome;
  o.reason = ctx->reason;
  o.http_status = !ctx->own_response && r->headers_out.status >= NGX_HTTP_BAD_REQUEST
                      ? r->headers_out.status
                      : static_cast<ngx_uint_t>(ctx->outcome == Outcome::rejected ? voxfra::reason_http_status(ctx->reason)
                                                                                  : NGX_HTTP_OK);
  o.duration_micros = monotonic_micros() - ctx->started_micros;
  o.at_micros = wall_micros() - static_cast<int64_t>(o.duration_micros);
  observe_request(o);
}

}  // namespace

// Counts a request that resolved to an endpoint: in the zone, where every
// worker's counts meet and survive a worker's death; in this worker's own
// memory only when the zone has no room for another endpoint.
void count(RequestCtx* ctx) {
  if (ctx->counted || g_worker == nullptr) return;
  ctx->counted = true;
  observe(ctx);
  if (ctx->slug.empty()) return;
  voxfra::UnixMillis now = voxfra::now_millis();
  bool counted = false;
  if (ctx->zone != nullptr) {
    ZoneLock lock(ctx->zone);
    counted = ctx->zone->state.count(ctx->slug, ctx->outcome, ctx->reason, now);
  }
  if (!counted) g_worker->stats.pending.count(ctx->slug, ctx->outcome, ctx->reason, now);
}

namespace {

// Sends `body` as the JSON answer and returns what the content phase
// returns, with the headers the contract adds to 405 and 429.
ngx_int_t send_json(ngx_http_request_t* r, RequestCtx* ctx, ngx_uint_t status,
                    std::string_view body) {
  ctx->own_response = true;
  count(ctx);
  if (status == NGX_HTTP_NOT_ALLOWED) {
    static ngx_str_t allow = ngx_string("Allow");
    if (add_header(r, allow, "POST") != NGX_OK) return NGX_ERROR;
  }
  if (status == NGX_HTTP_TOO_MANY_REQUESTS) {
    static ngx_str_t retry_after = ngx_string("Retry-After");
    u_char* p = static_cast<u_char*>(ngx_pnalloc(r->pool, NGX_INT_T_LEN));
    if (p == nullptr) return NGX_ERROR;
    u_char* last = ngx_sprintf(p, "%ui", static_cast<ngx_uint_t>(ctx->retry_after));
    if (add_header(r, retry_after, {reinterpret_cast<char*>(p), static_cast<size_t>(last - p)}) != NGX_OK) {
      return NGX_ERROR;
    }
  }
  return send_body(r, status, ngx_string("application/json"), body);
}

ngx_int_t respond(ngx_http_request_t* r, RequestCtx* ctx, Outcome outcome, Reason reason,
                  std::string_view details = {}, std::string_view event = {}) {
  ctx->outcome = outcome;
  ctx->reason = reason;
  voxfra::ResponseFields f;
  f.outcome = outcome;
  f.reason = reason;
  f.request_id = request_id(r);
  f.call_id = ctx->call_id;
  f.record_id = ctx->record_id;
  f.details_json = details;
  f.event = event;
  f.retry_after_seconds = reason == Reason::rate_limited ? ctx->retry_after : 0;
  ngx_uint_t status = outcome == Outcome::rejected ? voxfra::reason_http_status(reason) : NGX_HTTP_OK;
  return send_json(r, ctx, status, voxfra::write_response(f, ctx->mem));
}

// Answers without reading the body: the rest of it is discarded (or, when
// it is too large to be worth reading or comes from a flood, the connection
// is closed after). A client that sent `Expect: 100-continue` is not invited
// to send a body nobody reads: expect_tested keeps
// ngx_http_discard_request_body from sending `100 Continue`, as NGINX's own
// client_max_body_size check does.
ngx_int_t reject_early(ngx_http_request_t* r, RequestCtx* ctx, Reason reason, bool close = false) {
  r->expect_tested = 1;
  if (close) {
    r->keepalive = 0;
  } else if (reason == Reason::body_too_large) {
    r->keepalive = 0;
    r->lingering_close = 1;
  } else {
    ngx_int_t rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) return rc;
  }
  return respond(r, ctx, Outcome::rejected, reason);
}


// ---------------------------------------------------------------------------
// Storing: the write queue and its thread task

void finish_stored(RequestCtx* ctx) {
  ngx_http_request_t* r = ctx->r;
  ngx_int_t rc;
  if (ctx->call.result == voxfra::PendingCall::Result::stored ||
      ctx->call.result == voxfra::PendingCall::Result::duplicate) {
    char* id = static_cast<char*>(ngx_pnalloc(r->pool, 16));
    if (id == nullptr) {
      rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    } else {
      voxfra::record_id(ctx->call.sequence, id);
      ctx->record_id = {id, 16};
      // Stored (now or before): later deliveries are answered from the zone.
      // A call whose storing failed is not remembered. The lock is released
      // before responding: counting the response takes it again.
      {
        ZoneLock lock(ctx->zone);
        if (ctx->zone->state.remember(ctx->idempotency_hash, ctx->call.sequence, voxfra::now_millis(),
                                      static_cast<int64_t>(ctx->idempotency_window))) {
          lock.warn_full("idempotency keys");
        }
      }
      Outcome outcome = ctx->call.result == voxfra::PendingCall::Result::stored ? Outcome::accepted
                                                                                 : Outcome::duplicate;
      rc = respond(r, ctx, outcome, Reason::none);
    }
  } else {
    constexpr size_t kMaxLoggedId = 128;
    char what[kMaxLoggedId + 32] = "storing call \"";
    size_t n = sizeof("storing call \"") - 1;
    n += voxfra::printable(ctx->call_id, what + n, kMaxLoggedId);
    what[n++] = '"';
    log_storage_failure(g_worker->storage_failures_log, r->connection->log, {what, n}, ctx->call.error);
    rc = respond(r, ctx, Outcome::rejected, Reason::storage_failed);
  }
  ngx_http_finalize_request(r, rc);
}

// Arms the worker's pending timer while a call is queued or being written,
// and disarms it when none is (CallWriter::pending_timer); the timer itself
// only looks again.
void guard_pending(Worker* w) {
  ngx_event_t* ev = &w->writes.pending_timer;
  if (ev->handler == nullptr) {
    ev->handler = [](ngx_event_t* e) { guard_pending(static_cast<Worker*>(e->data)); };
    ev->data = w;
    ev->log = w->log;
  }
  bool pending = !w->writes.queue.idle();
  if (pending && !ev->timer_set) {
    ngx_add_timer(ev, kFlushInterval);
  } else if (!pending && ev->timer_set) {
    ngx_del_timer(ev);
  }
}

}  // namespace

voxfra::StoreStatus write_batch(Worker& w) {
  w.writes.queue.write(*w.store);  // each call carries its own result
  return {};
}

void write_batch_done(Worker& w, voxfra::StoreStatus) { w.writes.queue.batch_done(); }

bool CallWriter::start_batch() { return job.post(); }

bool CallWriter::has_store() { return worker_.store != nullptr; }

bool CallWriter::remap_pending() {
  if (worker_.remap_wanted) adopt_map_size(&worker_);
  return worker_.remap_wanted;
}

bool CallWriter::grow_map() {
  worker_.remap_wanted = true;
  return adopt_map_size(&worker_);
}

void CallWriter::batch_finished(voxfra::PendingCall* const* calls, size_t count, uint64_t commit_micros) {
  observe_batch(calls, count, commit_micros);
}

void CallWriter::finish(void* request, voxfra::PendingCall&) {
  auto* ctx = static_cast<RequestCtx*>(request);
  ngx_connection_t* c = ctx->r->connection;
  try {
    finish_stored(ctx);
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_ALERT, c->log, 0, "voxfra: %s", e.what());
    ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
  }
  ngx_http_run_posted_requests(c);
}

// Every change of the queue or of the batch in flight ends here, so the
// pending timer is armed or disarmed in this one place.
void post_write_batch() {
  Worker* w = g_worker;
  if (w == nullptr) return;
  w->writes.queue.pump();
  guard_pending(w);
}

namespace {

// ---------------------------------------------------------------------------
// The content handler

// The provider and slug: from the directive's values, else from the path
// (voxfra::route_from_path).
bool route(ngx_http_request_t* r, LocConf* lcf, std::string_view* provider, std::string_view* slug) {
  voxfra::Route from_path = voxfra::route_from_path(view(r->uri));
  *provider = from_path.provider;
  *slug = from_path.slug;
  ngx_str_t value;
  if (lcf->provider) {
    if (ngx_http_complex_value(r, lcf->provider, &value) != NGX_OK) return false;
    *provider = view(value);
  }
  if (lcf->slug) {
    if (ngx_http_complex_value(r, lcf->slug, &value) != NGX_OK) return false;
    *slug = view(value);
  }
  return true;
}

// Masks what may be a slug (voxfra::mask_slug_shapes) in a copy of `s` in
// the request pool, and points `s` at the copy when anything was masked. The
// bytes `s` viewed are left as they were: the routed provider and slug view
// them.
void mask_slugs(ngx_http_request_t* r, ngx_str_t* s) {
  if (s->len == 0) return;
  auto* copy = static_cast<u_char*>(ngx_pnalloc(r->pool, s->len));
  if (copy == nullptr) return;
  ngx_memcpy(copy, s->data, s->len);
  auto* text = reinterpret_cast<char*>(copy);
  if (voxfra::mask_slug_shapes(text, s->len) != 0) s->data = copy;
}

// Points the request line and the URIs NGINX logs at copies in which every
// slug is masked: `$request`, `$request_uri`, `$uri`, `$args` and the
// `request: "..."` context of every error-log line from here on; and the
// provider word ($voxfra_provider, the not-found [warn]), which a slug in
// the wrong position of the path becomes.
void mask_slugs_in_logs(ngx_http_request_t* r, RequestCtx* ctx) {
  for (ngx_str_t* s : {&r->request_line, &r->unparsed_uri, &r->uri, &r->args}) mask_slugs(r, s);
  ngx_str_t provider = {ctx->provider.size(), reinterpret_cast<u_char*>(const_cast<char*>(ctx->provider.data()))};
  mask_slugs(r, &provider);
  ctx->provider = view(provider);
}

void body_read(ngx_http_request_t* r);

// A scanner may try thousands of slugs a second: one line per interval,
// without the slug (the wrong provider's slug is a live secret).
void log_not_found(ngx_http_request_t* r, std::string_view provider) {
  uint64_t left_out = 0;
  if (!g_worker->not_found_log.admit(voxfra::now_millis(), left_out)) return;
  char name[32];
  size_t n = voxfra::printable(provider, name, sizeof name);
  u_char more[64] = "";
  if (left_out != 0) ngx_snprintf(more, sizeof more - 1, "; %uL more such requests since the last line", left_out);
  ngx_log_error(NGX_LOG_WARN, g_worker->log, 0,
                "voxfra: no active endpoint for provider \"%*s\" and the slug a client at %V sent (unknown, "
                "inactive, revoked or another provider's)%s",
                n, name, &r->connection->addr_text, more);
}

ngx_int_t ingest(ngx_http_request_t* r, RequestCtx* ctx) {
  auto* lcf = static_cast<LocConf*>(ngx_http_get_module_loc_conf(r, ngx_http_voxfra_module));

  // Routed first, so that every answer is counted under its provider.
  std::string_view provider, slug;
  if (!route(r, lcf, &provider, &slug)) return NGX_HTTP_INTERNAL_SERVER_ERROR;
  ctx->provider = provider;
  mask_slugs_in_logs(r, ctx);
  ctx->zone = static_cast<Zone*>(lcf->zone->data);

  voxfra::RequestFacts facts;
  facts.post = r->method == NGX_HTTP_POST;
  if (r->headers_in.content_type != nullptr) {
    facts.content_type_sent = true;
    facts.content_type = view(r->headers_in.content_type->value);
  }
  facts.provider = provider;
  std::string_view address = client_address(r);
  facts.client_address = reinterpret_cast<const unsigned char*>(address.data());
  facts.client_address_size = address.size();
  facts.declared_length = r->headers_in.content_length_n;
  facts.max_body = lcf->max_body;
  AdmissionAnswers answers(ctx, lcf, slug);
  voxfra::Admission admission = voxfra::admit(facts, answers, ctx->endpoint);
  if (admission.endpoint_found) {
    ctx->slug = slug;
    ctx->endpoint_id = ctx->endpoint.id;
    ctx->idempotency_window = lcf->idempotency_window;
  }
  if (admission.reason == Reason::not_found) log_not_found(r, ctx->provider);
  if (!admission.go_on()) return reject_early(r, ctx, admission.reason, admission.close);

  ctx->limit_body = true;
  ctx->max_body = lcf->max_body;
  r->request_body_in_single_buf = 1;
  ngx_int_t rc = ngx_http_read_client_request_body(r, body_read);
  if (rc >= NGX_HTTP_SPECIAL_RESPONSE) return rc;  // answered as JSON by the error filter
  return NGX_DONE;
}

}  // namespace

ngx_int_t ingest_handler(ngx_http_request_t* r) {
  RequestCtx* ctx = nullptr;
  try {
    ctx = static_cast<RequestCtx*>(ngx_pcalloc(r->pool, sizeof(RequestCtx)));
    if (ctx == nullptr) return NGX_HTTP_INTERNAL_SERVER_ERROR;
    new (ctx) RequestCtx{};
    ctx->r = r;
    ctx->mem = new (ngx_palloc(r->pool, sizeof(PoolResource))) PoolResource(r->pool);
    ctx->received_at = voxfra::now_millis();
    ctx->started_micros = monotonic_micros();
    ngx_http_set_ctx(r, ctx, ngx_http_voxfra_module);
    return ingest(r, ctx);
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0, "voxfra: %s", e.what());
    if (ctx != nullptr) {
      ctx->outcome = Outcome::rejected;
      ctx->reason = Reason::internal_error;
    }
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
}

namespace {

void process_body(ngx_http_request_t* r, RequestCtx* ctx) {
  const char* body = nullptr;
  size_t size = 0;
  if (!collect_body(r, &body, &size)) {
    ngx_http_finalize_request(r, respond(r, ctx, Outcome::rejected, Reason::internal_error));
    return;
  }
  NgxHeaders headers(r);
  voxfra::IngestRequest request;
  request.request_id = request_id(r);
  request.received_at = ctx->received_at;
  request.headers = &headers;
  request.body = body;
  request.body_size = size;
  voxfra::IngestResult result = g_worker->ingestor.process(ctx->endpoint, request, ctx->mem);
  ctx->call_id = result.call_id;
  AfterBodyAnswers answers(ctx);
  voxfra::AfterBody step = voxfra::after_body(ctx->endpoint, result, answers);
  if (step.next == voxfra::AfterBody::Next::rate_limited) {
    ngx_http_finalize_request(r, respond(r, ctx, Outcome::rejected, Reason::rate_limited));
    return;
  }
  if (step.next == voxfra::AfterBody::Next::answer) {
    ngx_http_finalize_request(
        r, respond(r, ctx, result.outcome, result.reason, result.details_json, result.event));
    return;
  }
  ctx->call = result.call;
  if (step.next == voxfra::AfterBody::Next::duplicate) {
    ctx->call.result = voxfra::PendingCall::Result::duplicate;
    ctx->call.sequence = step.stored_sequence;
    finish_stored(ctx);
    return;
  }
  // Answered when the batch holding the call is committed.
  g_worker->writes.queue.post(&ctx->call, static_cast<int64_t>(ctx->idempotency_window), ctx);
  post_write_batch();
}

void body_read(ngx_http_request_t* r) {
  auto* ctx = request_ctx(r);
  ctx->limit_body = false;
  try {
    process_body(r, ctx);
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0, "voxfra: %s", e.what());
    ctx->outcome = Outcome::rejected;
    ctx->reason = Reason::internal_error;
    ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
  }
}

}  // namespace

}  // namespace voxfra_ngx
