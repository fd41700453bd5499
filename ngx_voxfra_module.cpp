// ngx_http_voxfra_module: the glue between NGINX and the Voxfra core.
//
// This file is the module itself: its directives, the configuration and
// shared-memory zones, and the per-worker state (LMDB environment, reader,
// write queue, counters) from init_process to exit_process. The handlers
// live beside it, one file each (ngx_voxfra_ingest.cpp). Everything about
// providers, records and storage lives in src/, which knows nothing of NGINX.

#include <chrono>
#include <cstdarg>
#include <cstdlib>
#include <exception>
#include <new>

#include "ngx_voxfra_module.h"
#include "store/store_access.h"

namespace voxfra_ngx {

Worker* g_worker = nullptr;

// ---------------------------------------------------------------------------
// Shared by the handlers

std::string_view request_id(ngx_http_request_t* r) {
  auto* mcf = static_cast<MainConf*>(ngx_http_get_module_main_conf(r, ngx_http_voxfra_module));
  ngx_http_variable_value_t* v = ngx_http_get_indexed_variable(r, mcf->request_id_index);
  if (v == nullptr || v->not_found) return {};
  return {reinterpret_cast<const char*>(v->data), v->len};
}

ngx_int_t add_header(ngx_http_request_t* r, ngx_str_t name, std::string_view value) {
  ngx_table_elt_t* h = static_cast<ngx_table_elt_t*>(ngx_list_push(&r->headers_out.headers));
  if (h == nullptr) return NGX_ERROR;
  // A copy in the request's pool: NGINX reads the value when the header
  // filter runs, after a caller's temporary (a std::to_string) is gone.
  auto* data = static_cast<u_char*>(ngx_pnalloc(r->pool, value.size()));
  if (data == nullptr && !value.empty()) return NGX_ERROR;
  if (!value.empty()) ngx_memcpy(data, value.data(), value.size());
  h->hash = 1;
  h->key = name;
  h->value.data = data;
  h->value.len = value.size();
  return NGX_OK;
}

ngx_int_t send_body(ngx_http_request_t* r, ngx_uint_t status, ngx_str_t content_type, std::string_view body) {
  r->headers_out.status = status;
  r->headers_out.content_type = content_type;
  r->headers_out.content_type_len = content_type.len;
  r->headers_out.content_type_lowcase = nullptr;
  r->headers_out.content_length_n = static_cast<off_t>(body.size());
  static ngx_str_t x_request_id = ngx_string("X-Request-Id");
  if (add_header(r, x_request_id, request_id(r)) != NGX_OK) return NGX_ERROR;

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

bool adopt_map_size(Worker* w) {
  if (!w->store) w->remap_wanted = false;  // nothing to remap: let nothing wait for it
  if (!w->remap_wanted || w->pool_busy()) return false;
  w->remap_wanted = false;
  const uint64_t before = w->store->map_usage().second;
  bool grew = false;
  voxfra::StoreStatus status = w->store->adopt_map_size(grew);
  if (!status.ok()) {
    // LMDB unmapped the old map and could not map the new one: nothing may
    // touch this environment again. Serve 500s (providers retry) until a
    // reload starts workers that open it afresh.
    ngx_log_error(NGX_LOG_ALERT, w->log, 0,
                  "voxfra: cannot remap the LMDB environment: %s; ingest answers storage_failed until "
                  "NGINX is reloaded", status.message());
    w->reader.reset();
    w->store.reset();
    return false;
  }
  if (grew) {
    ngx_log_error(NGX_LOG_NOTICE, w->log, 0, "voxfra: the LMDB map grew from %uL to %uL bytes", before,
                  w->store->map_usage().second);
  }
  return grew;
}

void log_storage_failure(voxfra::LogThrottle& throttle, ngx_log_t* log, std::string_view what,
                         voxfra::StoreStatus status) {
  uint64_t left_out = 0;
  if (!throttle.admit(voxfra::now_millis(), left_out)) return;
  u_char more[64] = "";
  if (left_out != 0) ngx_snprintf(more, sizeof more - 1, "; %uL more storage failures since the last line", left_out);
  ngx_log_error(NGX_LOG_ERR, log, 0, "voxfra: %*s failed: %s%s%s", what.size(), what.data(), status.message(),
                status.map_too_small() ? " (the LMDB map is full: `voxfra store resize --size SIZE` grows it while NGINX runs, "
                       "`voxfra calls prune --before T` frees space)"
                     : "",
                more);
}

MainConf* cycle_main_conf(ngx_cycle_t* cycle) {
  auto* hcf = reinterpret_cast<ngx_http_conf_ctx_t*>(ngx_get_conf(cycle->conf_ctx, ngx_http_module));
  if (hcf == nullptr) return nullptr;
  return static_cast<MainConf*>(hcf->main_conf[ngx_http_voxfra_module.ctx_index]);
}

bool PoolJob::init(ngx_cycle_t* cycle, Worker* w, Run run, Done done) {
  worker_ = w;
  run_ = run;
  done_ = done;
  task_ = ngx_thread_task_alloc(cycle->pool, 0);
  if (task_ == nullptr) return false;
  task_->ctx = this;
  task_->handler = thread;
  task_->event.handler = completed;
  task_->event.data = this;
  task_->event.log = cycle->log;
  return true;
}

bool PoolJob::post() {
  if (in_flight_ || ngx_thread_task_post(worker_->pool, task_) != NGX_OK) return false;
  in_flight_ = true;
  return true;
}

void PoolJob::thread(void* data, ngx_log_t*) {
  auto* job = static_cast<PoolJob*>(data);
  job->status_ = job->run_(*job->worker_);
}

void PoolJob::completed(ngx_event_t* ev) {
  auto* job = static_cast<PoolJob*>(ev->data);
  job->in_flight_ = false;
  try {
    job->done_(*job->worker_, job->status_);
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_ALERT, job->worker_->log, 0, "voxfra: %s", e.what());
  }
  post_write_batch();  // batches and a remap may wait for this job
}

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

namespace {

constexpr off_t kDefaultMaxBody = 1024 * 1024;
constexpr ngx_msec_t kDefaultIdempotencyWindow = 24 * 60 * 60 * 1000;
constexpr ngx_uint_t kDefaultRateLimit = 1000;  // requests a minute
// Signature failures a minute from one address to one endpoint: a provider
// whose secret is out of date retries far less often than that.
constexpr ngx_uint_t kDefaultFailureLimit = 10;
constexpr size_t kMinZoneSize = 32 * 1024;
constexpr ngx_uint_t kDefaultRequestLog = 100;  // requests kept per endpoint

// ---------------------------------------------------------------------------
// Directives

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

// voxfra_rate_limit and voxfra_rate_limit_failures: a rate into the
// ngx_uint_t at the command's offset, in requests a minute.
char* set_rate(ngx_conf_t* cf, ngx_command_t* cmd, void* conf) {
  auto* rate = reinterpret_cast<ngx_uint_t*>(static_cast<char*>(conf) + cmd->offset);
  if (*rate != NGX_CONF_UNSET_UINT) return const_cast<char*>("is duplicate");
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
  *rate = per_minute;
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
    {ngx_string("voxfra_api"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS | NGX_CONF_TAKE123, guarded<set_api>,
     NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    {ngx_string("voxfra_rate_limit"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE12,
     guarded<set_rate>, NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, rate_limit), nullptr},
    {ngx_string("voxfra_rate_limit_failures"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE12,
     guarded<set_rate>, NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, failure_limit), nullptr},
    {ngx_string("voxfra_idempotency_window"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
     guarded<set_window>, NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    {ngx_string("voxfra_max_body"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
     guarded<set_max_body>, NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    {ngx_string("voxfra_metrics"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS, guarded<set_metrics>,
     NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    {ngx_string("voxfra_request_log"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, guarded<set_request_log>,
     NGX_HTTP_MAIN_CONF_OFFSET, 0, nullptr},
    ngx_null_command};

// ---------------------------------------------------------------------------
// Configuration lifecycle

void* create_main_conf(ngx_conf_t* cf) {
  auto* mcf = static_cast<MainConf*>(ngx_pcalloc(cf->pool, sizeof(MainConf)));
  if (mcf == nullptr) return nullptr;
  mcf->durability = Durability::fsync;
  mcf->request_log = NGX_CONF_UNSET_UINT;
  if (ngx_array_init(&mcf->zones, cf->pool, 2, sizeof(ngx_shm_zone_t*)) != NGX_OK) return nullptr;
  return mcf;
}

char* init_main_conf(ngx_conf_t*, void* conf) {
  auto* mcf = static_cast<MainConf*>(conf);
  ngx_conf_init_uint_value(mcf->request_log, kDefaultRequestLog);
  return NGX_CONF_OK;
}

void* create_loc_conf(ngx_conf_t* cf) {
  auto* lcf = static_cast<LocConf*>(ngx_pcalloc(cf->pool, sizeof(LocConf)));
  if (lcf == nullptr) return nullptr;
  lcf->ingest = NGX_CONF_UNSET;
  lcf->max_body = NGX_CONF_UNSET;
  lcf->idempotency_window = NGX_CONF_UNSET_MSEC;
  lcf->rate_limit = NGX_CONF_UNSET_UINT;
  lcf->failure_limit = NGX_CONF_UNSET_UINT;
  lcf->api = NGX_CONF_UNSET;
  return lcf;
}

char* merge_loc_conf(ngx_conf_t* cf, void* parent, void* child) {
  auto* prev = static_cast<LocConf*>(parent);
  auto* conf = static_cast<LocConf*>(child);
  ngx_conf_merge_off_value(conf->max_body, prev->max_body, kDefaultMaxBody);
  ngx_conf_merge_msec_value(conf->idempotency_window, prev->idempotency_window, kDefaultIdempotencyWindow);
  ngx_conf_merge_uint_value(conf->rate_limit, prev->rate_limit, kDefaultRateLimit);
  ngx_conf_merge_uint_value(conf->failure_limit, prev->failure_limit, kDefaultFailureLimit);
  auto* mcf = static_cast<MainConf*>(ngx_http_conf_get_module_main_conf(cf, ngx_http_voxfra_module));
  if (conf->api == 1 && mcf->store_path.len == 0) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"voxfra_api\" needs a \"voxfra_store\" in the http block");
    return static_cast<char*>(NGX_CONF_ERROR);
  }
  if (conf->ingest != 1) return NGX_CONF_OK;

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

  if (mcf->store_path.len != 0 && add_metrics_zone(cf, mcf) != NGX_OK) return NGX_ERROR;
  install_ingest_filters();
  return NGX_OK;
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
// The workers' user as ngx_worker_process_init sets it: NGINX's `user`
// (with initgroups) when a root master forks workers, else the master's own.
voxfra::WorkerIdentity worker_identity(const ngx_core_conf_t* ccf) {
  if (geteuid() == 0 && ccf->master && ccf->user != static_cast<ngx_uid_t>(NGX_CONF_UNSET_UINT)) {
    return voxfra::identity_of_user(ccf->username, ccf->user, ccf->group);
  }
  return voxfra::identity_of_process();
}

// Can the workers' user reach and open the store (src/store/store_access.h)?
// A core module's init_conf: it runs after ngx_core_module's has settled
// `user`, in `nginx -t` too, and failing it fails the start or leaves a
// reload's old configuration running (a failed init_module ends the master).
char* check_store_access(ngx_cycle_t* cycle, void*) {
  if (ngx_process == NGX_PROCESS_SIGNALLER) return NGX_CONF_OK;
  MainConf* mcf = cycle_main_conf(cycle);
  if (mcf == nullptr || mcf->store_path.len == 0) return NGX_CONF_OK;
  try {
    auto* ccf = reinterpret_cast<ngx_core_conf_t*>(ngx_get_conf(cycle->conf_ctx, ngx_core_module));
    voxfra::WorkerIdentity workers = worker_identity(ccf);
    voxfra::StoreCreation creation;
    creation.uid = geteuid();
    creation.gid = getegid();
    creation.umask = umask(0);
    umask(creation.umask);
    creation.hands_to_workers = geteuid() == 0;  // init_module chowns
    std::string path(view(mcf->store_path));
    if (auto denial = voxfra::store_access_denial(path, workers, creation)) {
      std::string why = voxfra::describe_store_access_denial(path, workers, *denial);
      ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "voxfra_store \"%s\": %s in %V:%ui", path.c_str(), why.c_str(),
                    &mcf->store_conf_file, mcf->store_conf_line);
      return static_cast<char*>(NGX_CONF_ERROR);
    }
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "voxfra: %s", e.what());
    return static_cast<char*>(NGX_CONF_ERROR);
  }
  return NGX_CONF_OK;
}

// ---------------------------------------------------------------------------
// Worker lifecycle: open the store, flush counters once a second, sync
// (durability=os) ten times a second when something was written.

voxfra::StoreStatus write_stats(Worker& w) {
  return w.store->add_stats(w.stats.flushing.data(), w.stats.flushing.size());
}

void stats_written(Worker& w, voxfra::StoreStatus status) {
  if (!status.ok()) {
    if (status.map_too_small()) w.remap_wanted = true;
    log_storage_failure(w.stats.failures_log, w.log, "flushing counters", status);
    // Nothing was committed: the next flush carries these counts.
    w.stats.pending.give_back(w.stats.flushing);
  }
  w.stats.flushing.clear();
}

voxfra::StoreStatus sync_store(Worker& w) { return w.store->sync_if_written(); }

void store_synced(Worker& w, voxfra::StoreStatus status) {
  if (!status.ok()) ngx_log_error(NGX_LOG_ERR, w.log, 0, "voxfra: syncing the store failed: %s", status.message());
}

// The counts since the last flush, from this worker and from the zones
// (where another worker may drain them first: each count goes once).
void collect_counts(Worker* w) {
  w->stats.pending.take(w->stats.flushing);
  auto** zones = static_cast<ngx_shm_zone_t**>(w->zones->elts);
  for (ngx_uint_t i = 0; i < w->zones->nelts; ++i) {
    auto* zone = static_cast<Zone*>(zones[i]->data);
    ZoneLock lock(zone);
    zone->state.drain_counts(w->stats.flushing);
  }
}

void flush_timer(ngx_event_t* ev) {
  auto* w = static_cast<Worker*>(ev->data);
  try {
    // While a remap waits for the pool tasks to finish, start none.
    if (w->remap_wanted) {
      adopt_map_size(w);
      post_write_batch();
    }
    if (w->store && !w->remap_wanted) {
      if (!w->stats.job.in_flight()) {
        collect_counts(w);
        if (!w->stats.flushing.empty()) w->stats.job.post();
      }
      flush_request_log(w);
    }
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_ALERT, w->log, 0, "voxfra: %s", e.what());
  }
  if (!ngx_exiting && !ngx_terminate) ngx_add_timer(ev, kFlushInterval);
}

void sync_timer(ngx_event_t* ev) {
  auto* w = static_cast<Worker*>(ev->data);
  // While a remap waits for the pool tasks to finish, start none.
  if (w->store && !w->remap_wanted) w->sync.job.post();
  if (!ngx_exiting && !ngx_terminate) ngx_add_timer(ev, kSyncInterval);
}

// A worker's periodic timer (its handler re-arms it): cancelable, so that
// a worker that exits gracefully does not wait for it.
void start_timer(ngx_event_t* ev, ngx_event_handler_pt handler, Worker* w, ngx_log_t* log,
                 ngx_msec_t interval) {
  ev->handler = handler;
  ev->data = w;
  ev->log = log;
  ev->cancelable = 1;
  ngx_add_timer(ev, interval);
}

// t/20 only: `env VOXFRA_TEST_COVER_HOLD_MS=N;` in nginx.conf holds each
// commit of calls N ms before its covering sync, so that a kill lands there.
std::chrono::milliseconds test_cover_hold() {
  const char* ms = std::getenv("VOXFRA_TEST_COVER_HOLD_MS");
  return std::chrono::milliseconds(ms != nullptr ? std::strtol(ms, nullptr, 10) : 0);
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
    // One worker syncs for all: fdatasync writes back every dirty page of
    // the file, whichever process wrote it. Each worker still syncs as it
    // exits.
    w->sync.needed = mcf->durability == Durability::os;
    if (!w->writes.job.init(cycle, w.get(), write_batch, write_batch_done) ||
        !w->stats.job.init(cycle, w.get(), write_stats, stats_written) ||
        !w->sync.job.init(cycle, w.get(), sync_store, store_synced) ||
        !w->api.job.init(cycle, w.get(), write_api_change, api_change_written)) {
      return NGX_ERROR;
    }
    w->counters = attach_counters(mcf);
    if (!init_request_log(cycle, w.get(), mcf)) return NGX_ERROR;
    try {
      w->store = std::make_unique<voxfra::Store>(options);
      w->store->share_commit_coverage(attach_commit_coverage(mcf), test_cover_hold());
      w->reader = std::make_unique<voxfra::StoreReader>(*w->store);
    } catch (const std::exception& e) {
      // Keep serving: every ingest request answers 500 storage_failed, which
      // providers retry, instead of a worker that dies and respawns.
      ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "voxfra_store \"%V\": %s", &mcf->store_path, e.what());
      w->reader.reset();
      w->store.reset();
    }
    if (w->store) {
      start_timer(&w->flush_timer, flush_timer, w.get(), cycle->log, kFlushInterval);
      if (w->sync.needed && ngx_worker == 0) {
        start_timer(&w->sync.timer, sync_timer, w.get(), cycle->log, kSyncInterval);
      }
    }
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
    if (w->store && !w->stats.job.in_flight()) {
      collect_counts(w);
      voxfra::StoreStatus status = write_stats(*w);
      if (!status.ok()) {
        ngx_log_error(NGX_LOG_ERR, cycle->log, 0, "voxfra: flushing counters failed: %s", status.message());
      }
    }
    flush_request_log_at_exit(w);
    if (w->store && w->sync.needed) w->store->sync();
    if (w->pool_busy()) {
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
    if (add_ingest_variables(cf) != NGX_OK) return NGX_ERROR;
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
    init_main_conf,             // init main configuration
    nullptr,                    // create server configuration
    nullptr,                    // merge server configuration
    create_loc_conf,            // create location configuration
    merge_loc_conf,             // merge location configuration
};

ngx_core_module_t kStoreAccessCtx = {ngx_string("voxfra_store_access"), nullptr, check_store_access};

}  // namespace

}  // namespace voxfra_ngx

ngx_module_t ngx_http_voxfra_module = {
    NGX_MODULE_V1,
    &voxfra_ngx::kModuleCtx,
    voxfra_ngx::kCommands,
    NGX_HTTP_MODULE,
    nullptr,       // init master
    voxfra_ngx::init_module,   // init module
    voxfra_ngx::init_process,  // init process
    nullptr,       // init thread
    nullptr,       // exit thread
    voxfra_ngx::exit_process,  // exit process
    nullptr,       // exit master
    NGX_MODULE_V1_PADDING};

// Checks at start, reload and `nginx -t` that the workers can reach the
// store: a core module, so that NGINX's `user` is known (check_store_access).
ngx_module_t ngx_voxfra_store_access_module = {
    NGX_MODULE_V1,
    &voxfra_ngx::kStoreAccessCtx,
    nullptr,  // no directives
    NGX_CORE_MODULE,
    nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
    NGX_MODULE_V1_PADDING};
