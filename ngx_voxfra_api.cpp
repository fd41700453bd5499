// The Management API handler:
// `voxfra_api [token_file=PATH] [write_limit=N] [fleet_wait=TIME];`
// in a prefix location answers GET <location>v1/... with JSON read from the
// worker's LMDB read transaction (memory reads, bounded answers: fine on the
// event loop), and POST/PATCH after reading the body, on the thread pool:
// a write transaction commits with an fsync, which the event loop never
// waits for. Routing, tokens and JSON are the core's (src/api); this file
// only turns an NGINX request into an ApiRequest and the answer into a
// response. On a fleet node a write's pool job only queues the change for
// voxfra-fleet; a timer then reads its answer (a read, on the event loop).

#include <exception>
#include <fstream>
#include <memory>
#include <new>
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
  if (!response.allow.empty()) {
    static ngx_str_t allow = ngx_string("Allow");
    if (add_header(r, allow, response.allow) != NGX_OK) return NGX_ERROR;
  }
  if (response.retry_after > 0) {
    static ngx_str_t retry_after = ngx_string("Retry-After");
    if (add_header(r, retry_after, std::to_string(response.retry_after)) != NGX_OK) return NGX_ERROR;
  }
  if (response.replayed) {
    static ngx_str_t replayed = ngx_string("Idempotent-Replayed");
    if (add_header(r, replayed, "true") != NGX_OK) return NGX_ERROR;
  }
  return send_body(r, static_cast<ngx_uint_t>(response.status), ngx_string("application/json"),
                   {reinterpret_cast<char*>(body), response.body.size()});
}

voxfra::ApiRequest api_request(ngx_http_request_t* r) {
  voxfra::ApiRequest request;
  request.method = view(r->method_name);
  request.path = path_below_location(r);
  request.query = view(r->args);
  request.authorization = r->headers_in.authorization ? view(r->headers_in.authorization->value) : std::string_view();
  request.request_id = request_id(r);
  return request;
}

// ---------------------------------------------------------------------------
// Writes: the body, then the worker's API pool job, one request at a time.

}  // namespace

// What a write needs on the pool thread: views into the request's pool, and
// the answer it makes (freed by api_change_written).
struct ApiWrite {
  ngx_http_request_t* r;
  voxfra::ApiRequest request;
  const voxfra::ApiTokenFile* tokens;
  voxfra::ApiWriteSettings settings;
  voxfra::ApiResponse* response;
  ngx_event_t fleet_wait;  // a fleet node: polls voxfra-fleet's answer
  uint64_t fleet_request;
};

namespace {

void start_api_write(Worker& w);

// Armed while a write waits or runs; each second it also starts a write
// that waited for a remap.
void guard_api_writes(Worker& w) {
  ngx_event_t* ev = &w.api.pending_timer;
  if (ev->handler == nullptr) {
    ev->handler = [](ngx_event_t* e) {
      auto& worker = *static_cast<Worker*>(e->data);
      start_api_write(worker);
      guard_api_writes(worker);
    };
    ev->data = &w;
    ev->log = w.log;
  }
  const bool pending = w.api.running != nullptr || !w.api.waiting.empty();
  if (pending && !ev->timer_set) {
    ngx_add_timer(ev, kFlushInterval);
  } else if (!pending && ev->timer_set) {
    ngx_del_timer(ev);
  }
}

void answer_api_write(ApiWrite* job, const voxfra::ApiResponse& response) {
  ngx_http_request_t* r = job->r;
  ngx_connection_t* c = r->connection;
  ngx_int_t rc;
  try {
    if (!response.error_log.empty()) {
      ngx_log_error(NGX_LOG_ERR, c->log, 0, "voxfra_api: %s", response.error_log.c_str());
    }
    rc = send_api_response(r, response);
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_ALERT, c->log, 0, "voxfra_api: %s", e.what());
    rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
  ngx_http_finalize_request(r, rc);
  ngx_http_run_posted_requests(c);
}

// Reads voxfra-fleet's answer to the job's queued change every
// kFleetPoll until there is one (api_fleet_answer ends the wait).
constexpr ngx_msec_t kFleetPoll = 20;

void poll_fleet_answer(ngx_event_t* ev) {
  auto* job = static_cast<ApiWrite*>(ev->data);
  Worker* w = g_worker;
  std::optional<voxfra::ApiResponse> answer;
  if (w == nullptr || w->reader == nullptr) {
    answer = voxfra::api_internal_error(job->request.request_id);
  } else {
    try {
      answer = voxfra::api_fleet_answer(*w->store, w->reader->txn(), job->fleet_request, job->request.request_id);
    } catch (const std::exception& e) {  // the read transaction could not be renewed
      ngx_log_error(NGX_LOG_ALERT, job->r->connection->log, 0, "voxfra_api: %s", e.what());
      answer = voxfra::api_internal_error(job->request.request_id);
    }
    w->reader->release();
  }
  if (answer) {
    answer_api_write(job, *answer);
  } else {
    ngx_add_timer(ev, kFleetPoll);
  }
}

void wait_for_fleet(ApiWrite* job, uint64_t fleet_request) {
  job->fleet_request = fleet_request;
  job->fleet_wait.handler = poll_fleet_answer;
  job->fleet_wait.data = job;
  job->fleet_wait.log = job->r->connection->log;
  ngx_add_timer(&job->fleet_wait, kFleetPoll);
}

// Hands the next waiting write to the pool, unless one runs or a remap
// waits for the pool to be idle (the pending timer tries again).
void start_api_write(Worker& w) {
  if (w.api.running != nullptr || w.api.waiting.empty() || w.remap_wanted) return;
  w.api.running = w.api.waiting.front();
  w.api.waiting.pop_front();
  if (!w.api.job.post()) {
    ApiWrite* job = w.api.running;
    w.api.running = nullptr;
    answer_api_write(job, voxfra::api_internal_error(job->request.request_id));
  }
}

ngx_int_t queue_write(ngx_http_request_t* r) {
  auto* lcf = static_cast<LocConf*>(ngx_http_get_module_loc_conf(r, ngx_http_voxfra_module));
  voxfra::ApiRequest request = api_request(r);
  const char* body = nullptr;
  size_t size = 0;
  if (!collect_body(r, &body, &size)) return send_api_response(r, voxfra::api_internal_error(request.request_id));
  request.body = {body, size};
  request.content_type = r->headers_in.content_type ? view(r->headers_in.content_type->value) : std::string_view();
  request.idempotency_key = NgxHeaders(r).get("Idempotency-Key");
  Worker* w = g_worker;
  if (w == nullptr || !w->store) return send_api_response(r, voxfra::handle_api_write(nullptr, nullptr, {}, request));
  auto* job = static_cast<ApiWrite*>(ngx_palloc(r->pool, sizeof(ApiWrite)));
  if (job == nullptr) return NGX_HTTP_INTERNAL_SERVER_ERROR;
  new (job) ApiWrite{r, request, lcf->api_tokens, {}, nullptr, {}, 0};
  if (lcf->api_write_limit != 0) job->settings.changes_per_minute = static_cast<uint32_t>(lcf->api_write_limit);
  if (lcf->api_fleet_wait != 0) job->settings.fleet_wait_ms = static_cast<int64_t>(lcf->api_fleet_wait);
  w->api.waiting.push_back(job);
  start_api_write(*w);
  guard_api_writes(*w);
  return NGX_DONE;  // api_change_written answers
}

void write_body_read(ngx_http_request_t* r) {
  ngx_int_t rc;
  try {
    rc = queue_write(r);
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0, "voxfra_api: %s", e.what());
    rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
  if (rc != NGX_DONE) ngx_http_finalize_request(r, rc);
}

ngx_int_t answer_write(ngx_http_request_t* r) {
  if (r->headers_in.content_length_n > static_cast<off_t>(voxfra::kMaxApiBody)) {
    ngx_int_t rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) return rc;
    return send_api_response(r, voxfra::api_body_too_large(request_id(r)));
  }
  ngx_int_t rc = ngx_http_read_client_request_body(r, write_body_read);
  if (rc >= NGX_HTTP_SPECIAL_RESPONSE) return rc;
  return NGX_DONE;
}

ngx_int_t answer(ngx_http_request_t* r) {
  if (voxfra::api_method_writes(view(r->method_name))) return answer_write(r);
  ngx_int_t rc = ngx_http_discard_request_body(r);
  if (rc != NGX_OK) return rc;
  auto* lcf = static_cast<LocConf*>(ngx_http_get_module_loc_conf(r, ngx_http_voxfra_module));
  voxfra::ApiRequest request = api_request(r);

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

voxfra::StoreStatus write_api_change(Worker& w) {
  // A pool thread: the store and the running write's own request copy.
  ApiWrite* job = w.api.running;
  try {
    job->response = new voxfra::ApiResponse(voxfra::handle_api_write(w.store.get(), job->tokens, job->settings,
                                                                     job->request));
    // Answered once durable (one sync a commit defers the meta page's).
    if (!w.store->cover_commits().ok()) {
      delete job->response;
      job->response = nullptr;  // answered 500: the change may or may not have reached the disk
    }
  } catch (...) {
    job->response = nullptr;  // memory ran out: answered 500
  }
  return {};
}

void api_change_written(Worker& w, voxfra::StoreStatus) {
  ApiWrite* job = w.api.running;
  w.api.running = nullptr;
  std::unique_ptr<voxfra::ApiResponse> response(job->response);
  if (response && response->fleet_request != 0) {
    wait_for_fleet(job, response->fleet_request);
  } else {
    answer_api_write(job, response ? *response : voxfra::api_internal_error(job->request.request_id));
  }
  start_api_write(w);
  guard_api_writes(w);
}

char* set_api(ngx_conf_t* cf, ngx_command_t*, void* conf) {
  auto* lcf = static_cast<LocConf*>(conf);
  if (lcf->api != NGX_CONF_UNSET) return const_cast<char*>("is duplicate");
  if (lcf->ingest == 1) return const_cast<char*>("cannot share a location with \"voxfra_ingest\"");
  lcf->api = 1;
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  for (ngx_uint_t i = 1; i < cf->args->nelts; ++i) {
    std::string_view a = view(args[i]);
    if (a.rfind("write_limit=", 0) == 0 && lcf->api_write_limit == 0) {
      ngx_int_t n = ngx_atoi(args[i].data + 12, args[i].len - 12);
      if (n <= 0) return conf_fail(cf, "invalid write_limit \"%V\": changes a minute, 1 or more", &args[i]);
      lcf->api_write_limit = static_cast<ngx_uint_t>(n);
      continue;
    }
    if (a.rfind("fleet_wait=", 0) == 0 && lcf->api_fleet_wait == 0) {
      ngx_str_t t{args[i].len - 11, args[i].data + 11};
      ngx_msec_t ms = ngx_parse_time(&t, 0);
      if (ms == static_cast<ngx_msec_t>(NGX_ERROR) || ms < 100 || ms > 60000) {
        return conf_fail(cf, "invalid fleet_wait \"%V\": a time from 100ms to 60s", &args[i]);
      }
      lcf->api_fleet_wait = ms;
      continue;
    }
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
