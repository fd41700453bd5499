// The request history (voxfra_request_log): every answered request that
// found an endpoint goes into this worker's ring (src/ingest/
// request_log_buffer.h) on the event loop; once a second the flush timer
// hands the ring's entries to a pool thread, which writes them to the
// `reqlog` database in one transaction, keeping the newest N per endpoint.
// A flood fills the ring, not the disk: the oldest buffered entries are
// dropped (and counted in voxfra_request_log_dropped_total).

#include <exception>

#include "ngx_voxfra_module.h"

namespace voxfra_ngx {

namespace {

// Entries a worker buffers between two flushes: a second of a busy worker.
constexpr size_t kBufferedEntries = 4096;
constexpr ngx_uint_t kMaxRequestLog = 100000;

voxfra::StoreStatus write_request_log(Worker& w) {
  return w.store->append_request_log(w.history.flushing.data(), w.history.flushing.size(), w.history.keep);
}

// A failed write loses its entries (counted as dropped) and is logged once
// until a write succeeds again: a full map would otherwise log every second.
void written(Worker& w, voxfra::StoreStatus status) {
  RequestHistory& h = w.history;
  if (status.ok()) {
    h.failing = false;
  } else {
    if (w.counters) w.counters->count_request_log_dropped(h.flushing.size());
    if (!h.failing) {
      ngx_log_error(NGX_LOG_ERR, w.log, 0, "voxfra: writing the request log failed: %s", status.message());
    }
    h.failing = true;
  }
  h.flushing.clear();
}

void request_log_written(Worker& w, voxfra::StoreStatus status) {
  if (status.map_too_small()) w.remap_wanted = true;
  written(w, status);
}

}  // namespace

char* set_request_log(ngx_conf_t* cf, ngx_command_t*, void* conf) {
  auto* mcf = static_cast<MainConf*>(conf);
  if (mcf->request_log != NGX_CONF_UNSET_UINT) return const_cast<char*>("is duplicate");
  auto* args = static_cast<ngx_str_t*>(cf->args->elts);
  if (view(args[1]) == "off") {
    mcf->request_log = 0;
    return NGX_CONF_OK;
  }
  ngx_int_t n = ngx_atoi(args[1].data, args[1].len);
  if (n == NGX_ERROR || static_cast<ngx_uint_t>(n) > kMaxRequestLog) {
    return conf_fail(cf, "invalid value \"%V\", expected a number of requests up to %ui, or off", &args[1],
                     kMaxRequestLog);
  }
  mcf->request_log = static_cast<ngx_uint_t>(n);
  return NGX_CONF_OK;
}

bool init_request_log(ngx_cycle_t* cycle, Worker* w, const MainConf* mcf) {
  RequestHistory& h = w->history;
  h.keep = mcf->request_log;
  if (h.keep == 0) return true;
  h.buffer = std::make_unique<voxfra::RequestLogBuffer>(kBufferedEntries);
  h.flushing.reserve(kBufferedEntries);
  return h.job.init(cycle, w, write_request_log, request_log_written);
}

void record_request(const RequestObservation& o) {
  Worker* w = g_worker;
  // Without a store (it could not be opened) there is nowhere to write to.
  if (w == nullptr || w->history.buffer == nullptr || w->store == nullptr) return;
  voxfra::RequestLogEntry& e = w->history.buffer->push();
  e.at_micros = o.at_micros;
  e.latency_micros = o.duration_micros > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(o.duration_micros);
  e.http_status = static_cast<uint16_t>(o.http_status);
  e.outcome = o.outcome;
  e.reason = o.reason;
  auto provider = voxfra::provider_from_name(o.provider);
  e.provider = provider ? static_cast<uint8_t>(*provider) : 0;
  e.set_endpoint_id(o.endpoint_id);
  e.set_request_id(o.request_id);
  e.set_call_id(o.call_id);
  if (uint64_t dropped = w->history.buffer->take_dropped()) {
    if (w->counters) w->counters->count_request_log_dropped(dropped);
  }
}

void flush_request_log(Worker* w) {
  RequestHistory& h = w->history;
  if (h.buffer == nullptr || h.buffer->empty() || h.job.in_flight()) return;
  h.buffer->take(h.flushing);
  if (!h.job.post()) {
    // The pool's queue is full: these entries are lost, and said so.
    if (w->counters) w->counters->count_request_log_dropped(h.flushing.size());
    h.flushing.clear();
  }
}

void flush_request_log_at_exit(Worker* w) {
  RequestHistory& h = w->history;
  if (h.buffer == nullptr || h.job.in_flight() || w->store == nullptr) return;
  h.buffer->take(h.flushing);
  written(*w, write_request_log(*w));
}

}  // namespace voxfra_ngx
