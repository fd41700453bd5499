// An ingest request's state, shared by the ingest handler
// (ngx_voxfra_ingest.cpp), the answers to the core's questions
// (ngx_voxfra_ingest_answers.cpp), the error-page filters
// (ngx_voxfra_error_page.cpp) and the $voxfra_* variables
// (ngx_voxfra_variables.cpp).
#pragma once

#include <memory_resource>
#include <new>

#include "base/outcome.h"
#include "ingest/admission.h"
#include "ingest/after_body.h"
#include "ngx_voxfra_module.h"
#include "store/fleet_rates.h"

#pragma GCC visibility push(hidden)

namespace voxfra_ngx {

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

// Allocated in the request pool and never destroyed, so it holds only
// trivially destructible members and views into pool memory.
struct RequestCtx {
  ngx_http_request_t* r;
  PoolResource* mem;
  voxfra::Outcome outcome;
  voxfra::Reason reason;
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

inline RequestCtx* request_ctx(ngx_http_request_t* r) {
  return static_cast<RequestCtx*>(ngx_http_get_module_ctx(r, ngx_http_voxfra_module));
}

// Counts an answered request once: the metrics, the history and the
// endpoint's counters (ngx_voxfra_ingest.cpp).
void count(RequestCtx* ctx);

// The client's address bytes (4 or 16, network order) as NGINX sees it,
// after the realip module if it is configured; empty for a Unix socket.
std::string_view client_address(ngx_http_request_t* r);

// The core's questions about a request, answered from the worker's read
// transaction and zone (ngx_voxfra_ingest_answers.cpp): before the body
// (voxfra::admit) and after it (voxfra::after_body).
class AdmissionAnswers final : public voxfra::AdmissionQuestions {
 public:
  AdmissionAnswers(RequestCtx* ctx, LocConf* lcf, std::string_view slug) : ctx_(ctx), lcf_(lcf), slug_(slug) {}
  bool store_available() override;
  Lookup find_endpoint(voxfra::EndpointView& out) override;
  RateVerdict check_rate(const voxfra::EndpointView& endpoint) override;

 private:
  RequestCtx* ctx_;
  LocConf* lcf_;
  std::string_view slug_;
};

class AfterBodyAnswers final : public voxfra::AfterBodyQuestions {
 public:
  explicit AfterBodyAnswers(RequestCtx* ctx) : ctx_(ctx) {}
  bool settle_rate(bool signature_ok) override;
  bool seen_stored(std::string_view idempotency_key, uint64_t& sequence) override;

 private:
  RequestCtx* ctx_;
};

}  // namespace voxfra_ngx

#pragma GCC visibility pop
