// The glue's shared declarations: configuration, shared-memory zones and
// per-worker state, seen by every ngx_voxfra_*.cpp file (one file per
// concern: the module and its directives, the ingest handler, ...).
//
// Only this header and those files include NGINX. NGINX's own build
// compiles them (see `config`) with its C flags, as C++17; the core is
// C++20 behind C++17 headers. Nothing here leaves the shared object but
// the two modules NGINX loads by name (below).
#pragma once

extern "C" {
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>
}

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api.h"
#include "base/header_lookup.h"
#include "ingest/ingest.h"
#include "ingest/request_log_buffer.h"
#include "ingest/stats_accumulator.h"
#include "ingest/write_queue.h"
#include "limits/zone_state.h"
#include "metrics/counters.h"
#include "store/store.h"
#include "util/log_throttle.h"

#ifdef _LMDB_H_
#error "the glue speaks to the store through src/store, never to LMDB"
#endif

#if !(NGX_THREADS)
#error "the voxfra module needs NGINX built --with-threads"
#endif

// NGINX finds the modules by these names from C: no mangling.
extern "C" ngx_module_t ngx_http_voxfra_module;
extern "C" ngx_module_t ngx_voxfra_store_access_module;  // the store access check at start

#pragma GCC visibility push(hidden)

namespace voxfra_ngx {

constexpr ngx_msec_t kFlushInterval = 1000;  // counters and request history
// durability=os: how often the store is synced. Each sync writes back what
// arrived since the last, and ext4 allocates its blocks then (delayed
// allocation), holding the inode's block-map lock that a commit's pwrite of
// a new page waits for (ext4_da_get_block_prep): a second's worth (hundreds
// of MB under load) held commits 50-110 ms, a tenth of a second's about 10.
// It also bounds what a machine crash can lose.
constexpr ngx_msec_t kSyncInterval = 100;
// Failures that come in bursts (a full map, a scanner's unknown slugs) are
// logged at most once per interval and worker, with the count left out.
constexpr int64_t kBurstLogInterval = 10000;

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
  ngx_shm_zone_t* metrics_zone;  // the counters of voxfra_metrics (ngx_voxfra_metrics.cpp)
  ngx_uint_t request_log;        // voxfra_request_log: entries kept per endpoint, 0 = off
};

struct LocConf {
  ngx_flag_t ingest;
  ngx_shm_zone_t* zone;  // NULL: the only voxfra_zone, resolved at merge
  ngx_http_complex_value_t* provider;
  ngx_http_complex_value_t* slug;
  off_t max_body;
  ngx_msec_t idempotency_window;
  ngx_uint_t rate_limit;  // requests a minute, the endpoints' default
  ngx_uint_t failure_limit;  // signature failures a minute from one address to one endpoint
  ngx_flag_t api;                     // voxfra_api
  voxfra::ApiTokenFile* api_tokens;   // its token_file=, freed with the conf pool
  ngx_uint_t api_write_limit;         // its write_limit=: changes a minute per token, 0 = the default
  ngx_msec_t api_fleet_wait;          // its fleet_wait=: on a fleet node, 0 = the default
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

struct RequestCtx;  // an ingest request (ngx_voxfra_ingest.h)

// ---------------------------------------------------------------------------
// Per-worker state, created in init_process.

struct Worker;

// One piece of the worker's background work on the thread pool (a batch of
// calls, the counters, the request history, a sync). `run` works on a pool
// thread and touches only the store and its job's own buffers, which the
// event loop leaves alone while the job is in flight; `done` gets what `run`
// returned back on the event loop. After every `done` the write queue is
// pumped (post_write_batch): a batch or a remap may wait for the pool.
class PoolJob {
 public:
  using Run = voxfra::StoreStatus (*)(Worker& w);
  using Done = void (*)(Worker& w, voxfra::StoreStatus status);

  bool init(ngx_cycle_t* cycle, Worker* w, Run run, Done done);
  bool ready() const { return task_ != nullptr; }
  bool in_flight() const { return in_flight_; }
  // Hands the job to a pool thread; false when it is in flight already or
  // the pool's queue is full.
  bool post();

 private:
  static void thread(void* data, ngx_log_t* log);
  static void completed(ngx_event_t* ev);
  Worker* worker_ = nullptr;
  ngx_thread_task_t* task_ = nullptr;
  Run run_ = nullptr;
  Done done_ = nullptr;
  voxfra::StoreStatus status_;  // written by the pool thread, read after it is done
  bool in_flight_ = false;
};

// Accepted calls on their way to LMDB: the core's write queue, and what it
// asks of NGINX (ngx_voxfra_ingest.cpp): the pool job that commits a batch,
// the worker's map, answering each request.
class CallWriter final : public voxfra::WriteQueue::Host {
 public:
  explicit CallWriter(Worker& w) : worker_(w) {}

  bool start_batch() override;
  bool has_store() override;
  bool remap_pending() override;
  bool grow_map() override;
  void batch_finished(voxfra::PendingCall* const* calls, size_t count, uint64_t commit_micros) override;
  void finish(void* request, voxfra::PendingCall& call) override;

 private:
  Worker& worker_;

 public:
  voxfra::WriteQueue queue{*this};
  PoolJob job;
  // Armed while calls are queued or being written (guard_pending). NGINX
  // lets a worker that exits gracefully (reload, binary upgrade) go once
  // only cancelable timers are left; this one is not, so the worker first
  // answers every call that waits for the thread pool instead of closing
  // its connection.
  ngx_event_t pending_timer{};
};

// The endpoints' counters on their way to `stats`, once a second.
struct CounterFlush {
  voxfra::StatsAccumulator pending;  // counted in this worker (the zone had no room)
  std::vector<std::pair<std::string, voxfra::EndpointStats>> flushing;
  PoolJob job;
  voxfra::LogThrottle failures_log{kBurstLogInterval};
};

// Request history on its way to `reqlog` (ngx_voxfra_request_log.cpp).
struct RequestHistory {
  std::unique_ptr<voxfra::RequestLogBuffer> buffer;  // nullptr when voxfra_request_log is 0
  std::vector<voxfra::RequestLogEntry> flushing;
  std::size_t keep = 0;
  bool failing = false;  // logged once until a write succeeds
  PoolJob job;
};

// Management API writes (ngx_voxfra_api.cpp), one at a time per worker on
// the pool, each in a write transaction of its own (LMDB has one writer at
// a time anyway). The timer, not cancelable, keeps a worker that exits
// gracefully until every one is answered.
struct ApiWrite;
struct ApiWrites {
  std::deque<ApiWrite*> waiting;
  ApiWrite* running = nullptr;
  PoolJob job;
  ngx_event_t pending_timer{};
};

// durability=os: one worker syncs the store for all, every kSyncInterval.
struct StoreSync {
  bool needed = false;
  PoolJob job;
  ngx_event_t timer{};
};

struct Worker {
  std::unique_ptr<voxfra::Store> store;
  std::unique_ptr<voxfra::StoreReader> reader;
  // The map is full, or another process wrote past this worker's map: take
  // the environment's map size, which `voxfra store resize` may have
  // raised, as soon as no pool job holds a transaction (LMDB remaps only
  // with none open in the process). New batches and jobs wait for it; see
  // adopt_map_size. So a handler that opens a read transaction on the event
  // loop must end or reset it before it returns, as StoreReader::release does.
  bool remap_wanted = false;
  ngx_thread_pool_t* pool = nullptr;
  ngx_log_t* log = nullptr;
  ngx_array_t* zones = nullptr;  // of ngx_shm_zone_t*: where the counters are

  voxfra::Ingestor ingestor;
  CallWriter writes{*this};
  CounterFlush stats;
  RequestHistory history;
  StoreSync sync;
  ApiWrites api;
  ngx_event_t flush_timer{};  // every kFlushInterval: counters and history

  // Shared by every worker (ngx_voxfra_metrics.cpp); nullptr without a store.
  voxfra::metrics::Counters* counters = nullptr;

  voxfra::LogThrottle storage_failures_log{kBurstLogInterval};  // calls and endpoint reads
  voxfra::LogThrottle not_found_log{kBurstLogInterval};

  // Whether a pool thread may be using the store.
  bool pool_busy() const {
    return writes.job.in_flight() || stats.job.in_flight() || sync.job.in_flight() || history.job.in_flight() ||
           api.job.in_flight();
  }
};

// A clock for durations, unaffected by changes of the wall clock.
inline uint64_t monotonic_micros() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

inline int64_t wall_micros() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

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
// Adds a response header; the value is copied into the request's pool.
ngx_int_t add_header(ngx_http_request_t* r, ngx_str_t name, std::string_view value);
// Sends a whole answer with X-Request-Id; returns what a content phase returns.
ngx_int_t send_body(ngx_http_request_t* r, ngx_uint_t status, ngx_str_t content_type, std::string_view body);
// The body as one contiguous block with voxfra::kBodyPadding readable
// bytes after it; false when memory or the temporary file fails.
bool collect_body(ngx_http_request_t* r, const char** data, size_t* size);

// The request's headers by name, case-insensitively (the first of a name).
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

// A directive setter's message, printed by NGINX after the directive's name.
char* conf_fail(ngx_conf_t* cf, const char* fmt, ...);

// Takes a larger map size from the environment when w->remap_wanted and no
// pool task runs (else leaves it wanted); returns whether the map grew. If
// LMDB cannot remap, the worker drops its store and answers storage_failed.
bool adopt_map_size(Worker* w);
// "voxfra: <what> failed: <the store's words>", at most once per interval of
// `throttle` (with the count left out), and what to do when the map is full.
void log_storage_failure(voxfra::LogThrottle& throttle, ngx_log_t* log, std::string_view what,
                         voxfra::StoreStatus status);

// ---------------------------------------------------------------------------
// Observing (ngx_voxfra_metrics.cpp, ngx_voxfra_request_log.cpp)

// One answered ingest request, as the counters and the history see it.
struct RequestObservation {
  std::string_view provider;     // as the URL named it
  std::string_view endpoint_id;  // empty: no endpoint (counted, never in a history)
  std::string_view request_id;
  std::string_view call_id;
  voxfra::Outcome outcome = voxfra::Outcome::rejected;
  voxfra::Reason reason = voxfra::Reason::none;
  ngx_uint_t http_status = 0;
  int64_t at_micros = 0;  // when it came in, wall clock
  uint64_t duration_micros = 0;
};

// Counts it in the shared counters and, if it found an endpoint, adds it to
// the worker's history buffer. A few atomic adds and a copy: the hot path.
void observe_request(const RequestObservation& o);
// One finished commit of the write queue (or a batch that failed before).
void observe_batch(voxfra::PendingCall* const* calls, size_t count, uint64_t commit_micros);
void observe_storage_failure(voxfra::metrics::StorageFailure f);

voxfra::metrics::Counters* attach_counters(const MainConf* mcf);
// The node's committers' coverage (one sync a commit), in the same zone.
voxfra::CommitCoverage* attach_commit_coverage(const MainConf* mcf);

// The metrics zone, added when voxfra_store is set (postconfiguration).
ngx_int_t add_metrics_zone(ngx_conf_t* cf, MainConf* mcf);
char* set_metrics(ngx_conf_t* cf, ngx_command_t* cmd, void* conf);
char* set_request_log(ngx_conf_t* cf, ngx_command_t* cmd, void* conf);

// Worker lifecycle of the history: created in init_process, handed to a
// pool thread by the flush timer, written synchronously at exit.
void record_request(const RequestObservation& o);
bool init_request_log(ngx_cycle_t* cycle, Worker* w, const MainConf* mcf);
void flush_request_log(Worker* w);
void flush_request_log_at_exit(Worker* w);

// ---------------------------------------------------------------------------
// The ingest handler (ngx_voxfra_ingest.cpp)

ngx_int_t ingest_handler(ngx_http_request_t* r);
// The Management API's pool job (ngx_voxfra_api.cpp): the change ApiWrites::running asks for.
voxfra::StoreStatus write_api_change(Worker& w);
void api_change_written(Worker& w, voxfra::StoreStatus status);
// The write queue's pool job: one LMDB commit for a batch of calls.
voxfra::StoreStatus write_batch(Worker& w);
void write_batch_done(Worker& w, voxfra::StoreStatus status);
// Posts the next batch of queued calls, unless one is in flight or the map
// is waiting to be remapped (then the task that finishes last calls it).
void post_write_batch();
// The $voxfra_* variables (ngx_voxfra_variables.cpp).
ngx_int_t add_ingest_variables(ngx_conf_t* cf);
// The body limit and JSON for NGINX's error pages (ngx_voxfra_error_page.cpp).
void install_ingest_filters();

// ---------------------------------------------------------------------------
// The Management API handler (ngx_voxfra_api.cpp)

char* set_api(ngx_conf_t* cf, ngx_command_t* cmd, void* conf);

}  // namespace voxfra_ngx

#pragma GCC visibility pop
