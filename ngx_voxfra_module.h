// The glue's shared declarations: configuration, shared-memory zones and
// per-worker state, seen by every ngx_voxfra_*.cpp file (one file per
// concern: the module and its directives, the ingest handler, ...).
//
// Only this header and those files include NGINX. NGINX's own build
// compiles them (see `config`) with its C flags, as C++17; the core is
// C++20 behind C++17 headers. Nothing here leaves the shared object: only
// the module symbol is exported.
#pragma once

extern "C" {
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>
}

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/ingest.h"
#include "ingest/stats_accumulator.h"
#include "limits/zone_state.h"
#include "store/store.h"

#if !(NGX_THREADS)
#error "the voxfra module needs NGINX built --with-threads"
#endif

// NGINX finds the module by this name from C: no mangling.
extern "C" ngx_module_t ngx_http_voxfra_module;

#pragma GCC visibility push(hidden)

namespace voxfra_ngx {

constexpr ngx_msec_t kFlushInterval = 1000;  // counters, and syncs under durability=os

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

struct RequestCtx;  // an ingest request (ngx_voxfra_ingest.cpp)

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
  // Armed while calls are queued or being written (guard_pending). NGINX
  // lets a worker that exits gracefully (reload, binary upgrade) go once
  // only cancelable timers are left; this one is not, so the worker first
  // answers every call that waits for the thread pool instead of closing
  // its connection.
  ngx_event_t pending_timer{};

  std::vector<std::pair<std::string, voxfra::EndpointStats>> stats_flushing;
  int stats_error = 0;
  WriteTask stats_task{};

  int sync_error = 0;
  WriteTask sync_task{};
  bool sync_needed = false;

  ngx_event_t flush_timer{};
};

// The worker's state; nullptr in the master and when voxfra_store is not set.
extern Worker* g_worker;

inline std::string_view view(const ngx_str_t& s) {
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
// Shared by the handlers (ngx_voxfra_module.cpp)

MainConf* cycle_main_conf(ngx_cycle_t* cycle);
std::string_view request_id(ngx_http_request_t* r);
ngx_int_t add_header(ngx_http_request_t* r, ngx_str_t name, std::string_view value);
// Sends a whole answer with X-Request-Id; returns what a content phase returns.
ngx_int_t send_body(ngx_http_request_t* r, ngx_uint_t status, ngx_str_t content_type, std::string_view body);
// A directive setter's message, printed by NGINX after the directive's name.
char* conf_fail(ngx_conf_t* cf, const char* fmt, ...);

// ---------------------------------------------------------------------------
// The ingest handler (ngx_voxfra_ingest.cpp)

ngx_int_t ingest_handler(ngx_http_request_t* r);
// The write queue's thread task: one LMDB commit for a batch of calls.
void write_batch_thread(void* data, ngx_log_t* log);
void write_batch_done(ngx_event_t* ev);
ngx_int_t add_ingest_variables(ngx_conf_t* cf);
void install_ingest_filters();

}  // namespace voxfra_ngx

#pragma GCC visibility pop
