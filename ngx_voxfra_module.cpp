// ngx_http_voxfra_module: the glue between NGINX and the Voxfra core.
//
// It parses the directives, reads request bodies, owns the per-worker state
// (LMDB environment, reader, parser, write queue) and turns the core's
// verdicts into responses. Everything about providers, records and storage
// lives in src/, which knows nothing of NGINX.
//
// NGINX's own build compiles this file (see `config`) with its C flags, so
// this file is C++17; the core is C++20 behind C++17 headers.

extern "C" {
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>
}

#include <cstring>
#include <exception>
#include <memory>
#include <memory_resource>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/admission.h"
#include "ingest/ingest.h"
#include "ingest/outcome.h"
#include "ingest/response.h"
#include "ingest/stats_accumulator.h"
#include "limits/zone_state.h"
#include "providers/provider.h"
#include "store/store.h"

#if !(NGX_THREADS)
#error "the voxfra module needs NGINX built --with-threads"
#endif

// NGINX finds the module by this name from C: no mangling.
extern "C" ngx_module_t ngx_http_voxfra_module;

namespace {

using voxfra::Outcome;
using voxfra::Reason;

constexpr off_t kDefaultMaxBody = 1024 * 1024;
constexpr ngx_msec_t kDefaultIdempotencyWindow = 24 * 60 * 60 * 1000;
constexpr ngx_uint_t kDefaultRateLimit = 1000;  // requests a minute
constexpr uint64_t kDefaultMapSize = 4ULL << 30;
constexpr ngx_msec_t kFlushInterval = 1000;     // counters, and syncs under durability=os
constexpr size_t kMinZoneSize = 32 * 1024;

// ---------------------------------------------------------------------------
// Configuration

enum class Durability : ngx_uint_t { fsync, os };

struct MainConf {
  ngx_str_t store_path;  // empty when voxfra_store is not set
  uint64_t map_size;
  Durability durability;
  ngx_thread_pool_t* thread_pool;
  ngx_array_t zones;  // of ngx_shm_zone_t*
  ngx_int_t request_id_index;
  ngx_str_t store_conf_file;  // where voxfra_store was set, for messages
  ngx_uint_t store_conf_line;
};

struct LocConf {
  ngx_flag_t ingest;
  ngx_shm_zone_t* zone;  // NULL: the only voxfra_zone, resolved at merge
  ngx_http_complex_value_t* provider;
  ngx_http_complex_value_t* slug;
  off_t max_body;
  ngx_msec_t idempotency_window;
  ngx_uint_t rate_limit;  // requests a minute, the endpoints' default
};

// A voxfra_zone: rate-limit state and idempotency keys (src/limits), in one
// block of the zone's slab, kept across reloads.
struct ZoneHeader {
  uint32_t version;
  uint32_t eviction_logged;  // the "zone is full" warning is logged once
  void* block;
  size_t block_size;
};

struct Zone {
  ngx_shm_zone_t* shm_zone;
  ngx_slab_pool_t* shpool;
  ZoneHeader* header;
  voxfra::ZoneState state;
};

// ---------------------------------------------------------------------------
// Per-request state. Allocated in the request pool and never destroyed, so
// it holds only trivially destructible members and views into pool memory.

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
  unsigned retry_after;  // 429: whole seconds until a request would pass
};

// ---------------------------------------------------------------------------
// Per-worker state, created in init_process.

struct WriteTask {
  ngx_thread_task_t* task;
  bool in_flight;
};

struct Worker {
  std::unique_ptr<voxfra::Store> store;
  std::unique_ptr<voxfra::StoreReader> reader;
  voxfra::Ingestor ingestor;
  voxfra::StatsAccumulator stats;
  ngx_thread_pool_t* pool = nullptr;
  ngx_log_t* log = nullptr;
  ngx_array_t* zones = nullptr;  // of ngx_shm_zone_t*: where the counters are

  // Accepted calls wait here until the writer thread takes them, in
  // batches: one LMDB commit (and fsync) for all calls that arrived while
  // the previous commit was on disk (group commit).
  std::vector<RequestCtx*> queue;
  std::vector<RequestCtx*> batch;  // owned by the writer thread while in flight
  std::vector<voxfra::PendingCall*> batch_calls;
  voxfra::UnixMillis batch_now = 0;
  int64_t batch_window = 0;
  WriteTask write{};

  std::vector<std::pair<std::string, voxfra::EndpointStats>> stats_flushing;
  int stats_error = 0;
  WriteTask stats_task{};

  int sync_error = 0;
  WriteTask sync_task{};
  bool sync_needed = false;

  ngx_event_t flush_timer{};
};

Worker* g_worker = nullptr;

std::string_view view(const ngx_str_t& s) {
  return {reinterpret_cast<const char*>(s.data), s.len};
}

// ---------------------------------------------------------------------------
// The zone, under its mutex

class ZoneLock {
 public:
  explicit ZoneLock(Zone* zone) : zone_(zone) { ngx_shmtx_lock(&zone_->shpool->mutex); }
  ~ZoneLock() { ngx_shmtx_unlock(&zone_->shpool->mutex); }
  ZoneLock(const ZoneLock&) = delete;
  ZoneLock& operator=(const ZoneLock&) = delete;

  // The tables evict the least recently used entries when full and never
  // fail a request for it; the operator hears about it once per zone.
  void warn_full(const char* what) {
    if (zone_->header->eviction_logged) return;
    zone_->header->eviction_logged = 1;
    ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                  "voxfra_zone \"%V\" is full: forgetting the oldest %s; consider a larger zone",
                  &zone_->shm_zone->shm.name, what);
  }

 private:
  Zone* zone_;
};

// ---------------------------------------------------------------------------
// Responses

std::string_view request_id(ngx_http_request_t* r) {
  auto* mcf = static_cast<MainConf*>(ngx_http_get_module_main_conf(r, ngx_http_voxfra_module));
  ngx_http_variable_value_t* v = ngx_http_get_indexed_variable(r, mcf->request_id_index);
  if (v == nullptr || v->not_found) return {};
  return {reinterpret_cast<const char*>(v->data), v->len};
}

ngx_int_t add_header(ngx_http_request_t* r, ngx_str_t name, std::string_view value) {
  ngx_table_elt_t* h = static_cast<ngx_table_elt_t*>(ngx_list_push(&r->headers_out.headers));
  if (h == nullptr) return NGX_ERROR;
  h->hash = 1;
  h->key = name;
  h->value.data = reinterpret_cast<u_char*>(const_cast<char*>(value.data()));
  h->value.len = value.size();
  return NGX_OK;
}

// Counts a request that resolved to an endpoint: in the zone, where every
// worker's counts meet and survive a worker's death; in this worker's own
// memory only when the zone has no room for another endpoint.
void count(RequestCtx* ctx) {
  if (ctx->counted || ctx->slug.empty() || g_worker == nullptr) return;
  ctx->counted = true;
  voxfra::UnixMillis now = voxfra::now_millis();
  bool counted = false;
  if (ctx->zone != nullptr) {
    ZoneLock lock(ctx->zone);
    counted = ctx->zone->state.count(ctx->slug, ctx->outcome, ctx->reason, now);
  }
  if (!counted) g_worker->stats.count(ctx->slug, ctx->outcome, ctx->reason, now);
}

// Sends `body` as the JSON answer and returns what the content phase
// returns. Every answer carries the request id as X-Request-Id.
ngx_int_t send_json(ngx_http_request_t* r, RequestCtx* ctx, ngx_uint_t status,
                    std::string_view body) {
  ctx->own_response = true;
  count(ctx);
  r->headers_out.status = status;
  ngx_str_set(&r->headers_out.content_type, "application/json");
  r->headers_out.content_type_len = r->headers_out.content_type.len;
  r->headers_out.content_type_lowcase = nullptr;
  r->headers_out.content_length_n = static_cast<off_t>(body.size());

  static ngx_str_t x_request_id = ngx_string("X-Request-Id");
  if (add_header(r, x_request_id, request_id(r)) != NGX_OK) return NGX_ERROR;
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

  ngx_int_t rc = ngx_http_send_header(r);
  if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) return rc;

  ngx_buf_t* b = static_cast<ngx_buf_t*>(ngx_calloc_buf(r->pool));
  if (b == nullptr) return NGX_ERROR;
  b->pos = reinterpret_cast<u_char*>(const_cast<char*>(body.data()));
  b->last = b->pos + body.size();
  b->memory = 1;
  b->last_buf = (r == r->main) ? 1 : 0;
  b->last_in_chain = 1;
  ngx_chain_t out{b, nullptr};
  return ngx_http_output_filter(r, &out);
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
// it is too large to be worth reading, the connection is closed after).
ngx_int_t reject_early(ngx_http_request_t* r, RequestCtx* ctx, Reason reason) {
  if (reason == Reason::body_too_large) {
    r->keepalive = 0;
    r->lingering_close = 1;
  } else {
    ngx_int_t rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) return rc;
  }
  return respond(r, ctx, Outcome::rejected, reason);
}

// ---------------------------------------------------------------------------
// Body

// The body as one contiguous block with kBodyPadding readable bytes after
// it. In place when NGINX's single buffer has the room, else copied once
// (from several buffers, or from the temporary file NGINX spooled it to).
bool collect_body(ngx_http_request_t* r, const char** data, size_t* size) {
  static const char kEmpty[voxfra::kBodyPadding] = {};
  ngx_http_request_body_t* rb = r->request_body;
  if (rb == nullptr || rb->bufs == nullptr) {
    *data = kEmpty;
    *size = 0;
    return true;
  }
  ngx_chain_t* first = rb->bufs;
  if (first->next == nullptr && ngx_buf_in_memory(first->buf) &&
      static_cast<size_t>(first->buf->end - first->buf->last) >= voxfra::kBodyPadding) {
    *data = reinterpret_cast<const char*>(first->buf->pos);
    *size = static_cast<size_t>(first->buf->last - first->buf->pos);
    return true;
  }
  size_t total = 0;
  for (ngx_chain_t* cl = rb->bufs; cl; cl = cl->next) total += static_cast<size_t>(ngx_buf_size(cl->buf));
  u_char* p = static_cast<u_char*>(ngx_pnalloc(r->pool, total + voxfra::kBodyPadding));
  if (p == nullptr) return false;
  u_char* w = p;
  for (ngx_chain_t* cl = rb->bufs; cl; cl = cl->next) {
    ngx_buf_t* b = cl->buf;
    if (ngx_buf_in_memory(b)) {
      w = ngx_cpymem(w, b->pos, b->last - b->pos);
    } else if (b->in_file) {
      ssize_t n = ngx_read_file(b->file, w, static_cast<size_t>(b->file_last - b->file_pos), b->file_pos);
      if (n != b->file_last - b->file_pos) return false;
      w += n;
    }
  }
  ngx_memzero(w, voxfra::kBodyPadding);
  *data = reinterpret_cast<const char*>(p);
  *size = static_cast<size_t>(w - p);
  return true;
}

class NgxHeaders final : public voxfra::HeaderLookup {
 public:
  explicit NgxHeaders(ngx_http_request_t* r) : r_(r) {}
  std::string_view get(std::string_view name) const override {
    for (ngx_list_part_t* part = &r_->headers_in.headers.part; part; part = part->next) {
      auto* h = static_cast<ngx_table_elt_t*>(part->elts);
      for (ngx_uint_t i = 0; i < part->nelts; ++i) {
        if (h[i].key.len == name.size() &&
            ngx_strncasecmp(h[i].key.data, reinterpret_cast<u_char*>(const_cast<char*>(name.data())),
                            name.size()) == 0) {
          return view(h[i].value);
        }
      }
    }
    return {};
  }

 private:
  ngx_http_request_t* r_;
};

// ---------------------------------------------------------------------------
// Storing: the write queue and its thread task

void post_write_batch();

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
    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "voxfra: storing call \"%*s\" failed: %s", ctx->call_id.size(), ctx->call_id.data(),
                  mdb_strerror(ctx->call.error));
    rc = respond(r, ctx, Outcome::rejected, Reason::storage_failed);
  }
  ngx_http_finalize_request(r, rc);
}

void write_batch_thread(void* data, ngx_log_t*) {
  // A pool thread: only the store and the batch, which the event loop does
  // not touch while the task is in flight.
  auto* w = static_cast<Worker*>(data);
  w->store->append_calls(w->batch_calls.data(), w->batch_calls.size(), w->batch_now, w->batch_window);
}

void write_batch_done(ngx_event_t* ev) {
  auto* w = static_cast<Worker*>(ev->data);
  w->write.in_flight = false;
  std::vector<RequestCtx*> done;
  done.swap(w->batch);
  w->batch_calls.clear();
  for (RequestCtx* ctx : done) {
    ngx_connection_t* c = ctx->r->connection;
    try {
      finish_stored(ctx);
    } catch (const std::exception& e) {
      ngx_log_error(NGX_LOG_ALERT, c->log, 0, "voxfra: %s", e.what());
      ngx_http_finalize_request(ctx->r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    }
    ngx_http_run_posted_requests(c);
  }
  done.clear();
  if (w->batch.capacity() < done.capacity()) w->batch.swap(done);  // keep the larger buffer
  post_write_batch();
}

// Takes the queued calls that share the first one's idempotency window into
// a batch and hands it to a pool thread, unless a batch is in flight (its
// completion calls this again).
void post_write_batch() {
  Worker* w = g_worker;
  if (w->write.in_flight || w->queue.empty()) return;
  w->batch_window = static_cast<int64_t>(w->queue.front()->idempotency_window);
  size_t taken = 0;
  for (RequestCtx* ctx : w->queue) {
    if (static_cast<int64_t>(ctx->idempotency_window) != w->batch_window) break;
    w->batch.push_back(ctx);
    w->batch_calls.push_back(&ctx->call);
    ++taken;
  }
  w->queue.erase(w->queue.begin(), w->queue.begin() + static_cast<std::ptrdiff_t>(taken));
  w->batch_now = voxfra::now_millis();
  if (ngx_thread_task_post(w->pool, w->write.task) != NGX_OK) {
    // The pool's queue is full: fail the batch now rather than hold it.
    for (auto* call : w->batch_calls) {
      call->result = voxfra::PendingCall::Result::failed;
      call->error = EAGAIN;
    }
    w->write.in_flight = true;
    write_batch_done(&w->write.task->event);
    return;
  }
  w->write.in_flight = true;
}

// ---------------------------------------------------------------------------
// The content handler

bool json_content_type(ngx_http_request_t* r) {
  if (r->headers_in.content_type == nullptr) return true;  // absent: allowed
  std::string_view ct = view(r->headers_in.content_type->value);
  size_t semi = ct.find(';');
  if (semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  auto iequals = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           ngx_strncasecmp(reinterpret_cast<u_char*>(const_cast<char*>(a.data())),
                           reinterpret_cast<u_char*>(const_cast<char*>(b.data())), a.size()) == 0;
  };
  if (iequals(ct, "application/json")) return true;
  // application/*+json, e.g. LiveKit's application/webhook+json
  constexpr std::string_view app = "application/", suffix = "+json";
  return ct.size() > app.size() + suffix.size() && iequals(ct.substr(0, app.size()), app) &&
         iequals(ct.substr(ct.size() - suffix.size()), suffix);
}

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

bool client_allowed(ngx_http_request_t* r) {
  const sockaddr* sa = r->connection->sockaddr;
  const unsigned char* address = nullptr;
  size_t length = 0;
  if (sa->sa_family == AF_INET) {
    address = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
    length = 4;
  } else if (sa->sa_family == AF_INET6) {
    address = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr);
    length = 16;
  }
  auto* ctx = static_cast<RequestCtx*>(ngx_http_get_module_ctx(r, ngx_http_voxfra_module));
  return voxfra::client_allowed(ctx->endpoint, address, length);
}

void body_read(ngx_http_request_t* r);

ngx_int_t ingest(ngx_http_request_t* r, RequestCtx* ctx) {
  auto* lcf = static_cast<LocConf*>(ngx_http_get_module_loc_conf(r, ngx_http_voxfra_module));

  if (r->method != NGX_HTTP_POST) return reject_early(r, ctx, Reason::method_not_allowed);
  if (!json_content_type(r)) return reject_early(r, ctx, Reason::unsupported_media_type);
  if (g_worker == nullptr || g_worker->reader == nullptr) {
    return reject_early(r, ctx, Reason::storage_failed);
  }

  std::string_view provider, slug;
  if (!route(r, lcf, &provider, &slug)) return NGX_HTTP_INTERNAL_SERVER_ERROR;
  ctx->provider = provider;

  // Unknown slug, inactive or revoked endpoint, wrong provider: one answer
  // for all, so that probing learns nothing.
  voxfra::EndpointView found;
  bool ok = g_worker->reader->find_endpoint(slug, found) &&
            found.status == voxfra::EndpointStatus::active &&
            voxfra::provider_name(found.provider) == provider;
  if (ok) ctx->endpoint = voxfra::copy_endpoint(found, ctx->mem);
  g_worker->reader->release();
  if (!ok) return reject_early(r, ctx, Reason::not_found);
  ctx->slug = slug;
  ctx->endpoint_id = ctx->endpoint.id;
  ctx->idempotency_window = lcf->idempotency_window;
  ctx->zone = static_cast<Zone*>(lcf->zone->data);

  // The address NGINX sees, after the realip module if it is configured.
  if (!client_allowed(r)) return reject_early(r, ctx, Reason::forbidden);

  // Before the body is read: a flood costs no more than its headers.
  uint32_t limit = ctx->endpoint.rate_limit ? ctx->endpoint.rate_limit : static_cast<uint32_t>(lcf->rate_limit);
  voxfra::RateVerdict rate;
  {
    ZoneLock lock(ctx->zone);
    rate = ctx->zone->state.check_rate(slug, limit, ctx->received_at);
    if (rate.evicted) lock.warn_full("endpoint rates");
  }
  if (!rate.allowed) {
    ctx->retry_after = rate.retry_after_seconds;
    return reject_early(r, ctx, Reason::rate_limited);
  }

  if (r->headers_in.content_length_n > lcf->max_body) {
    return reject_early(r, ctx, Reason::body_too_large);
  }

  ctx->limit_body = true;
  ctx->max_body = lcf->max_body;
  r->request_body_in_single_buf = 1;
  ngx_int_t rc = ngx_http_read_client_request_body(r, body_read);
  if (rc >= NGX_HTTP_SPECIAL_RESPONSE) return rc;  // answered as JSON by the error filter
  return NGX_DONE;
}

ngx_int_t ingest_handler(ngx_http_request_t* r) {
  RequestCtx* ctx = nullptr;
  try {
    ctx = static_cast<RequestCtx*>(ngx_pcalloc(r->pool, sizeof(RequestCtx)));
    if (ctx == nullptr) return NGX_HTTP_INTERNAL_SERVER_ERROR;
    new (ctx) RequestCtx{};
    ctx->r = r;
    ctx->mem = new (ngx_palloc(r->pool, sizeof(PoolResource))) PoolResource(r->pool);
    ctx->received_at = voxfra::now_millis();
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
  g_worker->queue.push_back(ctx);
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

ngx_int_t add_variables(ngx_conf_t* cf) {
  for (ngx_http_variable_t* v = kVariables; v->name.len; ++v) {
    ngx_http_variable_t* var = ngx_http_add_variable(cf, &v->name, v->flags);
    if (var == nullptr) return NGX_ERROR;
    var->get_handler = v->get_handler;
    var->data = v->data;
  }
  return NGX_OK;
}

// ---------------------------------------------------------------------------
// Directives

// A setter's message: NGINX prints it as `"<directive>" directive <message>`,
// so that every error names the directive, as NGINX's own do.
char* conf_fail(ngx_conf_t* cf, const char* fmt, ...) {
  constexpr size_t kMax = 256;
  u_char* buf = static_cast<u_char*>(ngx_pnalloc(cf->pool, kMax));
  if (buf == nullptr) return static_cast<char*>(NGX_CONF_ERROR);
  va_list args;
  va_start(args, fmt);
  u_char* last = ngx_vslprintf(buf, buf + kMax - 1, fmt, args);
  va_end(args);
  *last = '\0';
  return reinterpret_cast<char*>(buf);
}

char* set_store(ngx_conf_t* cf, ngx_command_t*, void* conf) {
  auto* mcf = static_cast<MainConf*>(conf);
  if (mcf->store_path.data != nullptr) return const_cast<char*>("is duplicate");
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  mcf->store_path = args[1];
  if (ngx_conf_full_name(cf->cycle, &mcf->store_path, 0) != NGX_OK) return static_cast<char*>(NGX_CONF_ERROR);
  mcf->store_conf_file = cf->conf_file->file.name;
  mcf->store_conf_line = cf->conf_file->line;
  ngx_str_t pool_name = ngx_string("default");
  for (ngx_uint_t i = 2; i < cf->args->nelts; ++i) {
    std::string_view a = view(args[i]);
    if (a.rfind("size=", 0) == 0) {
      ngx_str_t s{args[i].len - 5, args[i].data + 5};
      off_t size = ngx_parse_offset(&s);
      if (size == NGX_ERROR || size < 1024 * 1024) {
        return conf_fail(cf, "invalid map size \"%V\" (at least 1m)", &args[i]);
      }
      mcf->map_size = static_cast<uint64_t>(size);
    } else if (a == "durability=fsync") {
      mcf->durability = Durability::fsync;
    } else if (a == "durability=os") {
      mcf->durability = Durability::os;
    } else if (a.rfind("thread_pool=", 0) == 0 && a.size() > 12) {
      pool_name = ngx_str_t{args[i].len - 12, args[i].data + 12};
    } else {
      return conf_fail(cf, "invalid parameter \"%V\"", &args[i]);
    }
  }
  mcf->thread_pool = ngx_thread_pool_add(cf, &pool_name);
  if (mcf->thread_pool == nullptr) return static_cast<char*>(NGX_CONF_ERROR);
  return NGX_CONF_OK;
}

ngx_int_t init_zone(ngx_shm_zone_t* shm_zone, void* data) {
  auto* zone = static_cast<Zone*>(shm_zone->data);
  if (data != nullptr) {
    // Reload with the same size: keep the old state (rates, keys).
    auto* old = static_cast<Zone*>(data);
    zone->shpool = old->shpool;
    zone->header = old->header;
    zone->state = old->state;
    return NGX_OK;
  }
  zone->shpool = reinterpret_cast<ngx_slab_pool_t*>(shm_zone->shm.addr);
  if (shm_zone->shm.exists) {
    zone->header = static_cast<ZoneHeader*>(zone->shpool->data);
    return voxfra::ZoneState::attach(zone->header->block, &zone->state) ? NGX_OK : NGX_ERROR;
  }
  zone->header = static_cast<ZoneHeader*>(ngx_slab_calloc(zone->shpool, sizeof(ZoneHeader)));
  if (zone->header == nullptr) return NGX_ERROR;
  zone->header->version = 1;
  zone->shpool->data = zone->header;
  size_t len = sizeof(" in voxfra_zone \"\"") + shm_zone->shm.name.len;
  zone->shpool->log_ctx = static_cast<u_char*>(ngx_slab_alloc(zone->shpool, len));
  if (zone->shpool->log_ctx == nullptr) return NGX_ERROR;
  ngx_sprintf(zone->shpool->log_ctx, " in voxfra_zone \"%V\"%Z", &shm_zone->shm.name);
  // The tables take what is left, in one block: they evict by themselves
  // when full, so the slab never runs out under a request.
  size_t size = zone->shpool->pfree > 1 ? (zone->shpool->pfree - 1) * ngx_pagesize : 0;
  void* block = size ? ngx_slab_alloc(zone->shpool, size) : nullptr;
  if (block == nullptr || !voxfra::ZoneState::format(block, size) ||
      !voxfra::ZoneState::attach(block, &zone->state)) {
    ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0, "voxfra_zone \"%V\" is too small", &shm_zone->shm.name);
    return NGX_ERROR;
  }
  zone->header->block = block;
  zone->header->block_size = size;
  return NGX_OK;
}

char* set_zone(ngx_conf_t* cf, ngx_command_t*, void* conf) {
  auto* mcf = static_cast<MainConf*>(conf);
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  u_char* colon = static_cast<u_char*>(ngx_strlchr(args[1].data, args[1].data + args[1].len, ':'));
  if (colon == nullptr || colon == args[1].data) {
    return conf_fail(cf, "invalid zone \"%V\", expected NAME:SIZE", &args[1]);
  }
  ngx_str_t name{static_cast<size_t>(colon - args[1].data), args[1].data};
  ngx_str_t s{static_cast<size_t>(args[1].data + args[1].len - colon - 1), colon + 1};
  ssize_t size = ngx_parse_size(&s);
  if (size == NGX_ERROR) {
    return conf_fail(cf, "invalid zone size \"%V\"", &args[1]);
  }
  if (size < static_cast<ssize_t>(kMinZoneSize)) {
    return conf_fail(cf, "zone \"%V\" is too small", &args[1]);
  }
  ngx_shm_zone_t* shm_zone = ngx_shared_memory_add(cf, &name, static_cast<size_t>(size), &ngx_http_voxfra_module);
  if (shm_zone == nullptr) return static_cast<char*>(NGX_CONF_ERROR);
  if (shm_zone->data != nullptr) {
    return conf_fail(cf, "duplicate zone \"%V\"", &name);
  }
  auto* zone = static_cast<Zone*>(ngx_pcalloc(cf->pool, sizeof(Zone)));
  if (zone == nullptr) return static_cast<char*>(NGX_CONF_ERROR);
  new (zone) Zone{};
  zone->shm_zone = shm_zone;
  shm_zone->init = init_zone;
  shm_zone->data = zone;
  auto** slot = static_cast<ngx_shm_zone_t**>(ngx_array_push(&mcf->zones));
  if (slot == nullptr) return static_cast<char*>(NGX_CONF_ERROR);
  *slot = shm_zone;
  return NGX_CONF_OK;
}

char* set_complex(ngx_conf_t* cf, ngx_str_t* value, ngx_http_complex_value_t** out) {
  if (*out != nullptr) return const_cast<char*>("has a duplicate parameter");
  *out = static_cast<ngx_http_complex_value_t*>(ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t)));
  if (*out == nullptr) return static_cast<char*>(NGX_CONF_ERROR);
  ngx_http_compile_complex_value_t ccv;
  ngx_memzero(&ccv, sizeof(ccv));
  ccv.cf = cf;
  ccv.value = value;
  ccv.complex_value = *out;
  if (ngx_http_compile_complex_value(&ccv) != NGX_OK) return static_cast<char*>(NGX_CONF_ERROR);
  return NGX_CONF_OK;
}

char* set_ingest(ngx_conf_t* cf, ngx_command_t*, void* conf) {
  auto* lcf = static_cast<LocConf*>(conf);
  if (lcf->ingest != NGX_CONF_UNSET) return const_cast<char*>("is duplicate");
  lcf->ingest = 1;
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  for (ngx_uint_t i = 1; i < cf->args->nelts; ++i) {
    std::string_view a = view(args[i]);
    char* rv = static_cast<char*>(NGX_CONF_OK);
    if (a.rfind("zone=", 0) == 0 && a.size() > 5) {
      ngx_str_t name{args[i].len - 5, args[i].data + 5};
      lcf->zone = ngx_shared_memory_add(cf, &name, 0, &ngx_http_voxfra_module);
      if (lcf->zone == nullptr) return static_cast<char*>(NGX_CONF_ERROR);
    } else if (a.rfind("provider=", 0) == 0 && a.size() > 9) {
      ngx_str_t v{args[i].len - 9, args[i].data + 9};
      rv = set_complex(cf, &v, &lcf->provider);
    } else if (a.rfind("slug=", 0) == 0 && a.size() > 5) {
      ngx_str_t v{args[i].len - 5, args[i].data + 5};
      rv = set_complex(cf, &v, &lcf->slug);
    } else {
      return conf_fail(cf, "invalid parameter \"%V\"", &args[i]);
    }
    if (rv != NGX_CONF_OK) return rv;
  }
  auto* clcf = static_cast<ngx_http_core_loc_conf_t*>(ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));
  clcf->handler = ingest_handler;
  return NGX_CONF_OK;
}

char* set_rate_limit(ngx_conf_t* cf, ngx_command_t*, void* conf) {
  auto* lcf = static_cast<LocConf*>(conf);
  if (lcf->rate_limit != NGX_CONF_UNSET_UINT) return const_cast<char*>("is duplicate");
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  // "1000r/m", or "1000 r/m" as the directive table writes it.
  std::string text(view(args[1]));
  if (cf->args->nelts == 3) text += view(args[2]);
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string_view unit = std::string_view(text).substr(digits);
  ngx_int_t n = digits ? ngx_atoi(reinterpret_cast<u_char*>(text.data()), digits) : NGX_ERROR;
  ngx_uint_t per_minute;
  if (n <= 0 || (unit != "r/m" && unit != "r/s")) {
    return conf_fail(cf, "invalid rate \"%s\", expected N r/m or N r/s", text.c_str());
  }
  per_minute = unit == "r/s" ? static_cast<ngx_uint_t>(n) * 60 : static_cast<ngx_uint_t>(n);
  lcf->rate_limit = per_minute;
  return NGX_CONF_OK;
}

char* set_max_body(ngx_conf_t* cf, ngx_command_t*, void* conf) {
  auto* lcf = static_cast<LocConf*>(conf);
  if (lcf->max_body != NGX_CONF_UNSET) return const_cast<char*>("is duplicate");
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  off_t size = ngx_parse_offset(&args[1]);
  if (size == NGX_ERROR || size <= 0) {
    return conf_fail(cf, "invalid size \"%V\"", &args[1]);
  }
  lcf->max_body = size;
  return NGX_CONF_OK;
}

char* set_window(ngx_conf_t* cf, ngx_command_t*, void* conf) {
  auto* lcf = static_cast<LocConf*>(conf);
  if (lcf->idempotency_window != NGX_CONF_UNSET_MSEC) return const_cast<char*>("is duplicate");
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  ngx_int_t ms = ngx_parse_time(&args[1], 0);
  if (ms == NGX_ERROR || ms <= 0) {
    return conf_fail(cf, "invalid time \"%V\"", &args[1]);
  }
  lcf->idempotency_window = static_cast<ngx_msec_t>(ms);
  return NGX_CONF_OK;
}

template <char* (*Setter)(ngx_conf_t*, ngx_command_t*, void*)>
char* guarded(ngx_conf_t* cf, ngx_command_t* cmd, void* conf) {
  try {
    return Setter(cf, cmd, conf);
  } catch (const std::exception& e) {
    return conf_fail(cf, "%s", e.what());
  }
}

ngx_command_t kCommands[] = {
    {ngx_string("voxfra_store"), NGX_HTTP_MAIN_CONF | NGX_CONF_1MORE, guarded<set_store>,
     NGX_HTTP_MAIN_CONF_OFFSET, 0, nullptr},
    {ngx_string("voxfra_zone"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, guarded<set_zone>,
     NGX_HTTP_MAIN_CONF_OFFSET, 0, nullptr},
    {ngx_string("voxfra_ingest"), NGX_HTTP_LOC_CONF | NGX_CONF_ANY, guarded<set_ingest>,
     NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    {ngx_string("voxfra_rate_limit"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE12,
     guarded<set_rate_limit>, NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    {ngx_string("voxfra_idempotency_window"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
     guarded<set_window>, NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    {ngx_string("voxfra_max_body"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
     guarded<set_max_body>, NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    ngx_null_command};

// ---------------------------------------------------------------------------
// Configuration lifecycle

void* create_main_conf(ngx_conf_t* cf) {
  auto* mcf = static_cast<MainConf*>(ngx_pcalloc(cf->pool, sizeof(MainConf)));
  if (mcf == nullptr) return nullptr;
  mcf->durability = Durability::fsync;
  if (ngx_array_init(&mcf->zones, cf->pool, 2, sizeof(ngx_shm_zone_t*)) != NGX_OK) return nullptr;
  return mcf;
}

void* create_loc_conf(ngx_conf_t* cf) {
  auto* lcf = static_cast<LocConf*>(ngx_pcalloc(cf->pool, sizeof(LocConf)));
  if (lcf == nullptr) return nullptr;
  lcf->ingest = NGX_CONF_UNSET;
  lcf->max_body = NGX_CONF_UNSET;
  lcf->idempotency_window = NGX_CONF_UNSET_MSEC;
  lcf->rate_limit = NGX_CONF_UNSET_UINT;
  return lcf;
}

char* merge_loc_conf(ngx_conf_t* cf, void* parent, void* child) {
  auto* prev = static_cast<LocConf*>(parent);
  auto* conf = static_cast<LocConf*>(child);
  ngx_conf_merge_off_value(conf->max_body, prev->max_body, kDefaultMaxBody);
  ngx_conf_merge_msec_value(conf->idempotency_window, prev->idempotency_window, kDefaultIdempotencyWindow);
  ngx_conf_merge_uint_value(conf->rate_limit, prev->rate_limit, kDefaultRateLimit);
  if (conf->ingest != 1) return NGX_CONF_OK;

  auto* mcf = static_cast<MainConf*>(ngx_http_conf_get_module_main_conf(cf, ngx_http_voxfra_module));
  if (mcf->store_path.len == 0) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"voxfra_ingest\" needs a \"voxfra_store\" in the http block");
    return static_cast<char*>(NGX_CONF_ERROR);
  }
  if (conf->zone == nullptr) {
    if (mcf->zones.nelts != 1) {
      ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                         mcf->zones.nelts == 0
                             ? "\"voxfra_ingest\" needs a \"voxfra_zone\" in the http block"
                             : "\"voxfra_ingest\" needs zone= when several \"voxfra_zone\" are defined");
      return static_cast<char*>(NGX_CONF_ERROR);
    }
    conf->zone = static_cast<ngx_shm_zone_t**>(mcf->zones.elts)[0];
  }
  // voxfra_max_body is the limit here, checked after the endpoint is known
  // (the contract answers 404 before 413); NGINX's own check would come first.
  auto* clcf = static_cast<ngx_http_core_loc_conf_t*>(ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));
  clcf->client_max_body_size = 0;
  return NGX_CONF_OK;
}

ngx_int_t postconfiguration(ngx_conf_t* cf) {
  auto* mcf = static_cast<MainConf*>(ngx_http_conf_get_module_main_conf(cf, ngx_http_voxfra_module));
  ngx_str_t name = ngx_string("request_id");
  mcf->request_id_index = ngx_http_get_variable_index(cf, &name);
  if (mcf->request_id_index == NGX_ERROR) return NGX_ERROR;
  // Zones referenced by name but never defined.
  for (ngx_list_part_t* part = &cf->cycle->shared_memory.part; part; part = part->next) {
    auto* shm = static_cast<ngx_shm_zone_t*>(part->elts);
    for (ngx_uint_t i = 0; i < part->nelts; ++i) {
      if (shm[i].tag == &ngx_http_voxfra_module && shm[i].shm.size == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "unknown voxfra_zone \"%V\"", &shm[i].shm.name);
        return NGX_ERROR;
      }
    }
  }

  next_request_body_filter = ngx_http_top_request_body_filter;
  ngx_http_top_request_body_filter = request_body_filter;
  next_header_filter = ngx_http_top_header_filter;
  ngx_http_top_header_filter = header_filter;
  next_body_filter = ngx_http_top_body_filter;
  ngx_http_top_body_filter = body_filter;
  return NGX_OK;
}

MainConf* cycle_main_conf(ngx_cycle_t* cycle) {
  auto* hcf = reinterpret_cast<ngx_http_conf_ctx_t*>(ngx_get_conf(cycle->conf_ctx, ngx_http_module));
  if (hcf == nullptr) return nullptr;
  return static_cast<MainConf*>(hcf->main_conf[ngx_http_voxfra_module.ctx_index]);
}

// The master creates the environment (and hands it to the workers' user)
// so that workers only open it; it closes it again before the fork, because
// an LMDB environment must not cross a fork. `nginx -t` touches nothing.
ngx_int_t init_module(ngx_cycle_t* cycle) {
  MainConf* mcf = cycle_main_conf(cycle);
  if (mcf == nullptr || mcf->store_path.len == 0 || ngx_test_config) return NGX_OK;
  std::string path(view(mcf->store_path));
  try {
    voxfra::StoreOptions options;
    options.path = path;
    options.map_size = mcf->map_size ? mcf->map_size : 0;
    options.create = true;
    { voxfra::Store store(options); }
    if (geteuid() == 0) {
      auto* ccf = reinterpret_cast<ngx_core_conf_t*>(ngx_get_conf(cycle->conf_ctx, ngx_core_module));
      for (const char* file : {"", "/data.mdb", "/lock.mdb"}) {
        std::string p = path + file;
        if (chown(p.c_str(), ccf->user, ccf->group) == -1) {
          ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_errno, "voxfra: chown(\"%s\") failed", p.c_str());
          return NGX_ERROR;
        }
      }
    }
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "voxfra_store \"%s\": %s", path.c_str(), e.what());
    return NGX_ERROR;
  }
  return NGX_OK;
}

// ---------------------------------------------------------------------------
// Worker lifecycle: open the store, flush counters once a second.

void stats_thread(void* data, ngx_log_t*) {
  auto* w = static_cast<Worker*>(data);
  w->stats_error = w->store->add_stats(w->stats_flushing.data(), w->stats_flushing.size());
}

void stats_done(ngx_event_t* ev) {
  auto* w = static_cast<Worker*>(ev->data);
  w->stats_task.in_flight = false;
  if (w->stats_error != 0) {
    ngx_log_error(NGX_LOG_ERR, w->log, 0, "voxfra: flushing counters failed: %s", mdb_strerror(w->stats_error));
  }
  w->stats_flushing.clear();
}

void sync_thread(void* data, ngx_log_t*) {
  auto* w = static_cast<Worker*>(data);
  w->sync_error = w->store->sync();
}

void sync_done(ngx_event_t* ev) {
  auto* w = static_cast<Worker*>(ev->data);
  w->sync_task.in_flight = false;
  if (w->sync_error != 0) {
    ngx_log_error(NGX_LOG_ERR, w->log, 0, "voxfra: syncing the store failed: %s", mdb_strerror(w->sync_error));
  }
}

void post_task(Worker* w, WriteTask& t) {
  if (t.in_flight) return;
  if (ngx_thread_task_post(w->pool, t.task) == NGX_OK) t.in_flight = true;
}

// The counts since the last flush, from this worker and from the zones
// (where another worker may drain them first: each count goes once).
void collect_counts(Worker* w) {
  w->stats.take(w->stats_flushing);
  auto** zones = static_cast<ngx_shm_zone_t**>(w->zones->elts);
  for (ngx_uint_t i = 0; i < w->zones->nelts; ++i) {
    auto* zone = static_cast<Zone*>(zones[i]->data);
    ZoneLock lock(zone);
    zone->state.drain_counts(w->stats_flushing);
  }
}

void flush_timer(ngx_event_t* ev) {
  auto* w = static_cast<Worker*>(ev->data);
  try {
    if (!w->stats_task.in_flight) {
      collect_counts(w);
      if (!w->stats_flushing.empty()) post_task(w, w->stats_task);
    }
    if (w->sync_needed) post_task(w, w->sync_task);
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_ALERT, w->log, 0, "voxfra: %s", e.what());
  }
  if (!ngx_exiting && !ngx_terminate) ngx_add_timer(ev, kFlushInterval);
}

ngx_thread_task_t* make_task(ngx_cycle_t* cycle, Worker* w, void (*thread)(void*, ngx_log_t*),
                             void (*done)(ngx_event_t*)) {
  ngx_thread_task_t* task = ngx_thread_task_alloc(cycle->pool, 0);
  if (task == nullptr) return nullptr;
  task->ctx = w;
  task->handler = thread;
  task->event.handler = done;
  task->event.data = w;
  task->event.log = cycle->log;
  return task;
}

ngx_int_t init_process(ngx_cycle_t* cycle) {
  MainConf* mcf = cycle_main_conf(cycle);
  if (mcf == nullptr || mcf->store_path.len == 0) return NGX_OK;
  try {
    auto w = std::make_unique<Worker>();
    w->log = cycle->log;
    w->pool = mcf->thread_pool;
    w->zones = &mcf->zones;
    voxfra::StoreOptions options;
    options.path = std::string(view(mcf->store_path));
    options.map_size = mcf->map_size;
    options.sync_commits = mcf->durability == Durability::fsync;
    options.create = false;
    w->sync_needed = mcf->durability == Durability::os;
    w->write.task = make_task(cycle, w.get(), write_batch_thread, write_batch_done);
    w->stats_task.task = make_task(cycle, w.get(), stats_thread, stats_done);
    w->sync_task.task = make_task(cycle, w.get(), sync_thread, sync_done);
    if (!w->write.task || !w->stats_task.task || !w->sync_task.task) return NGX_ERROR;
    try {
      w->store = std::make_unique<voxfra::Store>(options);
      w->reader = std::make_unique<voxfra::StoreReader>(*w->store);
    } catch (const std::exception& e) {
      // Keep serving: every ingest request answers 500 storage_failed, which
      // providers retry, instead of a worker that dies and respawns.
      ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "voxfra_store \"%V\": %s", &mcf->store_path, e.what());
      w->reader.reset();
      w->store.reset();
    }
    w->flush_timer.handler = flush_timer;
    w->flush_timer.data = w.get();
    w->flush_timer.log = cycle->log;
    w->flush_timer.cancelable = 1;
    if (w->store) ngx_add_timer(&w->flush_timer, kFlushInterval);
    g_worker = w.release();
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "voxfra: %s", e.what());
    return NGX_ERROR;
  }
  return NGX_OK;
}

void exit_process(ngx_cycle_t* cycle) {
  Worker* w = g_worker;
  if (w == nullptr) return;
  g_worker = nullptr;
  try {
    // The last counters, on this thread: the pool threads are going away.
    if (w->store && !w->stats_task.in_flight) {
      collect_counts(w);
      int rc = w->store->add_stats(w->stats_flushing.data(), w->stats_flushing.size());
      if (rc != 0) ngx_log_error(NGX_LOG_ERR, cycle->log, 0, "voxfra: flushing counters failed: %s", mdb_strerror(rc));
    }
    if (w->store && w->sync_needed) w->store->sync();
    if (w->write.in_flight || w->stats_task.in_flight || w->sync_task.in_flight) {
      // A pool thread may still use the store; leave it to process exit.
      return;
    }
    delete w;
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_ALERT, cycle->log, 0, "voxfra: %s", e.what());
  }
}

ngx_int_t guarded_postconfiguration(ngx_conf_t* cf) {
  try {
    if (add_variables(cf) != NGX_OK) return NGX_ERROR;
    return postconfiguration(cf);
  } catch (const std::exception& e) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", e.what());
    return NGX_ERROR;
  }
}

ngx_http_module_t kModuleCtx = {
    nullptr,                    // preconfiguration
    guarded_postconfiguration,  // postconfiguration
    create_main_conf,           // create main configuration
    nullptr,                    // init main configuration
    nullptr,                    // create server configuration
    nullptr,                    // merge server configuration
    create_loc_conf,            // create location configuration
    merge_loc_conf,             // merge location configuration
};

}  // namespace

ngx_module_t ngx_http_voxfra_module = {
    NGX_MODULE_V1,
    &kModuleCtx,
    kCommands,
    NGX_HTTP_MODULE,
    nullptr,       // init master
    init_module,   // init module
    init_process,  // init process
    nullptr,       // init thread
    nullptr,       // exit thread
    exit_process,  // exit process
    nullptr,       // exit master
    NGX_MODULE_V1_PADDING};
