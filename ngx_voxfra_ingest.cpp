// The ingest handler: POST /webhooks/{provider}/{slug}, in the order of the
// request contract (docs/design.md, "The request contract"). It reads the body, hands the core plain
// bytes, queues accepted calls for the group commit on the thread pool and
// turns verdicts into JSON answers; NGINX's own error pages inside an
// ingest location are replaced by the same JSON.

#include <cstring>
#include <exception>
#include <memory_resource>
#include <new>

#include "base/outcome.h"
#include "base/provider.h"
#include "ingest/admission.h"
#include "ingest/response.h"
#include "ngx_voxfra_module.h"
#include "store/fleet_rates.h"
#include "util/mask.h"
#include "util/printable.h"

namespace voxfra_ngx {

using voxfra::Outcome;
using voxfra::Reason;

// ---------------------------------------------------------------------------
// Per-request state. Allocated in the request pool and never destroyed, so
// it holds only trivially destructible members and views into pool memory.

namespace {

// std::pmr over the request pool: the core allocates its per-request memory
// here and the pool frees it with the request.
class PoolResource final : public std::pmr::memory_resource {
 public:
  explicit PoolResource(ngx_pool_t* pool) : pool_(pool) {}

 private:
  void* do_allocate(size_t bytes, size_t alignment) override {
    void* p = alignment <= NGX_ALIGNMENT ? ngx_palloc(pool_, bytes)
                                         : ngx_pmemalign(pool_, bytes, alignment);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  void do_deallocate(void*, size_t, size_t) override {}
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
  ngx_pool_t* pool_;
};

}  // namespace

struct RequestCtx {
  ngx_http_request_t* r;
  PoolResource* mem;
  Outcome outcome;
  Reason reason;
  bool counted;          // the counters have this request
  bool own_response;     // we produced the response (not NGINX's error page)
  bool rewrite_error;    // NGINX's error page is being replaced by JSON
  bool limit_body;       // the request body filter enforces max_body
  off_t max_body;
  off_t body_seen;
  voxfra::UnixMillis received_at;
  uint64_t started_micros;  // monotonic, for the duration metric and history
  std::string_view slug;
  std::string_view provider;
  std::string_view endpoint_id;
  std::string_view call_id;
  std::string_view record_id;
  std::string_view error_body;  // the JSON that replaces NGINX's error page
  voxfra::EndpointView endpoint;
  voxfra::PendingCall call;
  voxfra::IdempotencyHash idempotency_hash;
  ngx_msec_t idempotency_window;
  Zone* zone;
  voxfra::RateLimits limits;
  voxfra::FleetRateView fleet_rate;  // what the fleet's other nodes used of the limit
  unsigned retry_after;  // 429: whole seconds until a request would pass
};

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

void CallWriter::batch_finished(voxfra::PendingCall* const* calls, size_t count) { observe_batch(calls, count); }

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

// The provider and slug: from the directive's values, else the last two
// path segments (/webhooks/{provider}/{slug}).
bool route(ngx_http_request_t* r, LocConf* lcf, std::string_view* provider, std::string_view* slug) {
  std::string_view path = view(r->uri);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  size_t cut = path.rfind('/');
  std::string_view last = cut == std::string_view::npos ? path : path.substr(cut + 1);
  std::string_view rest = cut == std::string_view::npos ? std::string_view() : path.substr(0, cut);
  size_t cut2 = rest.rfind('/');
  std::string_view second = cut2 == std::string_view::npos ? rest : rest.substr(cut2 + 1);
  *provider = second;
  *slug = last;
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

// The client's address bytes (4 or 16, network order) as NGINX sees it,
// after the realip module if it is configured; empty for a Unix socket.
std::string_view client_address(ngx_http_request_t* r) {
  const sockaddr* sa = r->connection->sockaddr;
  if (sa->sa_family == AF_INET) {
    return {reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr), 4};
  }
  if (sa->sa_family == AF_INET6) {
    return {reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr), 16};
  }
  return {};
}

// The endpoint's rate limits and who is asking (voxfra::ZoneState::admit).
voxfra::RateSubject rate_subject(RequestCtx* ctx) { return {ctx->slug, client_address(ctx->r)}; }

// Asks the zone (admit or settle); a 429's Retry-After is kept for the answer.
template <class Ask>
voxfra::RateVerdict ask_rate(RequestCtx* ctx, Ask ask) {
  voxfra::RateVerdict rate;
  {
    ZoneLock lock(ctx->zone);
    rate = ask(ctx->zone->state);
    if (rate.evicted != nullptr) lock.warn_full(rate.evicted);
  }
  if (!rate.allowed) ctx->retry_after = rate.retry_after_seconds;
  return rate;
}

void body_read(ngx_http_request_t* r);

// The endpoint for `slug`. When another process wrote past this worker's
// map (map_resized from the read transaction), the worker takes the
// larger map and reads again; while a pool task still runs it cannot, and
// the StoreError goes to the caller.
bool find_endpoint(std::string_view slug, voxfra::EndpointView& out) {
  Worker* w = g_worker;
  try {
    return w->reader->find_endpoint(slug, out);
  } catch (const voxfra::StoreError& e) {
    if (e.status().kind() != voxfra::StoreStatus::Kind::map_resized) throw;
    w->remap_wanted = true;
    adopt_map_size(w);
    if (w->remap_wanted || w->reader == nullptr) throw;
    return w->reader->find_endpoint(slug, out);
  }
}

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

// The questions of the checks before the body (voxfra::admit), answered from
// the worker's read transaction and the zone.
class AdmissionAnswers final : public voxfra::AdmissionQuestions {
 public:
  AdmissionAnswers(RequestCtx* ctx, LocConf* lcf, std::string_view slug) : ctx_(ctx), lcf_(lcf), slug_(slug) {}

  bool store_available() override {
    if (g_worker != nullptr && g_worker->reader != nullptr) return true;
    observe_storage_failure(voxfra::metrics::StorageFailure::unavailable);
    return false;
  }

  Lookup find_endpoint(voxfra::EndpointView& out) override {
    voxfra::EndpointView found;
    bool ok;
    try {
      ok = voxfra_ngx::find_endpoint(slug_, found);
      if (ok) {
        out = voxfra::copy_endpoint(found, ctx_->mem);
        ctx_->fleet_rate = voxfra::read_fleet_rate(g_worker->reader->txn(), g_worker->reader->store(), slug_);
      }
    } catch (const voxfra::StoreError& e) {
      if (g_worker->reader) g_worker->reader->release();
      log_storage_failure(g_worker->storage_failures_log, ctx_->r->connection->log, "reading an endpoint",
                          e.code() ? e.status() : voxfra::StoreStatus::io_error());
      return Lookup::failed;
    }
    g_worker->reader->release();
    return ok ? Lookup::found : Lookup::not_found;
  }

  // An endpoint with a secret counts verified requests only (settled once
  // the signature is checked), so that forgeries cannot spend its budget.
  RateVerdict check_rate(const voxfra::EndpointView& endpoint) override {
    ctx_->limits.per_minute = voxfra::fleet_rate_share(
        ctx_->fleet_rate, endpoint.rate_limit ? endpoint.rate_limit : static_cast<uint32_t>(lcf_->rate_limit),
        ctx_->received_at);
    ctx_->limits.failures_per_minute = static_cast<uint32_t>(lcf_->failure_limit);
    const bool verifies = endpoint.secret_count > 0;
    voxfra::RateVerdict rate = ask_rate(ctx_, [&](voxfra::ZoneState& z) {
      return z.admit({slug_, client_address(ctx_->r)}, ctx_->limits, verifies, ctx_->received_at);
    });
    return {rate.allowed, rate.failures_exhausted};
  }

 private:
  RequestCtx* ctx_;
  LocConf* lcf_;
  std::string_view slug_;
};

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
  if (ctx->endpoint.secret_count > 0) {
    const bool signature_ok = result.reason != Reason::bad_signature;
    if (!ask_rate(ctx, [&](voxfra::ZoneState& z) {
           return z.settle(rate_subject(ctx), ctx->limits, signature_ok, ctx->received_at);
         }).allowed) {
      ngx_http_finalize_request(r, respond(r, ctx, Outcome::rejected, Reason::rate_limited));
      return;
    }
  }

  if (result.outcome != Outcome::accepted) {
    ngx_http_finalize_request(
        r, respond(r, ctx, result.outcome, result.reason, result.details_json, result.event));
    return;
  }
  ctx->call = result.call;
  ctx->idempotency_hash = voxfra::idempotency_hash(ctx->call.idempotency_key);
  uint64_t stored = 0;
  bool seen;
  {
    ZoneLock lock(ctx->zone);
    seen = ctx->zone->state.seen(ctx->idempotency_hash, ctx->received_at,
                                 static_cast<int64_t>(ctx->idempotency_window), &stored);
  }
  if (seen) {
    // The fast path: a delivery of a call this zone saw stored. LMDB's call
    // index stays the truth for everything the zone does not know.
    ctx->call.result = voxfra::PendingCall::Result::duplicate;
    ctx->call.sequence = stored;
    finish_stored(ctx);
    return;
  }
  // Answered when the batch holding the call is committed.
  g_worker->writes.queue.post(&ctx->call, static_cast<int64_t>(ctx->idempotency_window), ctx);
  post_write_batch();
}

void body_read(ngx_http_request_t* r) {
  auto* ctx = static_cast<RequestCtx*>(ngx_http_get_module_ctx(r, ngx_http_voxfra_module));
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

// ---------------------------------------------------------------------------
// Filters: the body limit while reading, and JSON for NGINX's own errors.

ngx_http_request_body_filter_pt next_request_body_filter;
ngx_http_output_header_filter_pt next_header_filter;
ngx_http_output_body_filter_pt next_body_filter;

// Counts the body as NGINX decodes it, so that a chunked body is refused as
// soon as it grows past voxfra_max_body, not after it was all read.
ngx_int_t request_body_filter(ngx_http_request_t* r, ngx_chain_t* in) {
  auto* ctx = static_cast<RequestCtx*>(ngx_http_get_module_ctx(r, ngx_http_voxfra_module));
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
  auto* ctx = static_cast<RequestCtx*>(ngx_http_get_module_ctx(r, ngx_http_voxfra_module));
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
  auto* ctx = static_cast<RequestCtx*>(ngx_http_get_module_ctx(r, ngx_http_voxfra_module));
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

// ---------------------------------------------------------------------------
// Variables: $voxfra_status, $voxfra_reason, $voxfra_endpoint,
// $voxfra_call_id, $voxfra_provider (for log_format).

enum class Var : uintptr_t { status, reason, endpoint, call_id, provider };

ngx_int_t get_variable(ngx_http_request_t* r, ngx_http_variable_value_t* v, uintptr_t data) {
  auto* ctx = static_cast<RequestCtx*>(ngx_http_get_module_ctx(r, ngx_http_voxfra_module));
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

void install_ingest_filters() {
  next_request_body_filter = ngx_http_top_request_body_filter;
  ngx_http_top_request_body_filter = request_body_filter;
  next_header_filter = ngx_http_top_header_filter;
  ngx_http_top_header_filter = header_filter;
  next_body_filter = ngx_http_top_body_filter;
  ngx_http_top_body_filter = body_filter;
}

}  // namespace voxfra_ngx
