// voxfra_metrics: the Prometheus page, and the counters behind it.
//
// The counters (src/metrics/counters.h) live in a small shared memory zone
// of their own, "voxfra_metrics", which the module adds whenever
// voxfra_store is set: every worker adds to the same totals with atomic
// adds (no lock), and the zone, like a voxfra_zone, is kept across
// `nginx -s reload`. The gauges (LMDB map, zone use) are read when the page
// is asked for. The text is written by the core (src/metrics/prometheus.h).
// The zone also holds the store's CommitCoverage, which the node's
// committers share the same way.

#include <exception>
#include <new>

#include "metrics/prometheus.h"
#include "ngx_voxfra_module.h"

namespace voxfra_ngx {

namespace {

using voxfra::metrics::Counters;

// The zone's tag: a name only this module uses, so that a voxfra_zone
// called "voxfra_metrics" is refused instead of shared.
u_char metrics_zone_tag;
constexpr size_t kMetricsZoneSize = 64 * 1024;

// The node's shared memory: the counters, and the store's committers'
// coverage (one sync a commit, src/store/commit_coverage.h).
struct MetricsZone {
  Counters* counters;
  voxfra::CommitCoverage* coverage;
};
struct MetricsBlocks {  // at shpool->data
  void* counters;
  voxfra::CommitCoverage* coverage;
};

ngx_int_t init_metrics_zone(ngx_shm_zone_t* shm_zone, void* data) {
  auto* zone = static_cast<MetricsZone*>(shm_zone->data);
  if (data != nullptr) {  // reload: the totals go on, and old and new workers cover each other
    *zone = *static_cast<MetricsZone*>(data);
    return NGX_OK;
  }
  auto* shpool = reinterpret_cast<ngx_slab_pool_t*>(shm_zone->shm.addr);
  if (shm_zone->shm.exists) {
    auto* blocks = static_cast<MetricsBlocks*>(shpool->data);
    zone->counters = Counters::attach(blocks->counters);
    zone->coverage = blocks->coverage;
    return zone->counters ? NGX_OK : NGX_ERROR;
  }
  auto* blocks = static_cast<MetricsBlocks*>(ngx_slab_calloc(shpool, sizeof(MetricsBlocks)));
  void* block = ngx_slab_calloc(shpool, Counters::kBlockSize);
  void* coverage = ngx_slab_calloc(shpool, sizeof(voxfra::CommitCoverage));
  zone->counters = block ? Counters::format(block, Counters::kBlockSize) : nullptr;
  if (blocks == nullptr || zone->counters == nullptr || coverage == nullptr) {
    ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0, "voxfra: no room for the counters in \"%V\"",
                  &shm_zone->shm.name);
    return NGX_ERROR;
  }
  zone->coverage = new (coverage) voxfra::CommitCoverage();
  *blocks = MetricsBlocks{block, zone->coverage};
  shpool->data = blocks;
  return NGX_OK;
}

Counters* counters() { return g_worker ? g_worker->counters : nullptr; }

// ---------------------------------------------------------------------------
// The page

voxfra::metrics::Page read_page(ngx_http_request_t* r) {
  voxfra::metrics::Page page;
  if (Counters* c = counters()) page.counters = c->snapshot();
  if (g_worker != nullptr && g_worker->store != nullptr) {
    auto [used, size] = g_worker->store->map_usage();
    page.map = voxfra::metrics::MapUse{used, size};
    page.fleet = voxfra::read_fleet_status(*g_worker->store);
  }
  auto* mcf = static_cast<MainConf*>(ngx_http_get_module_main_conf(r, ngx_http_voxfra_module));
  if (const voxfra::CommitCoverage* c = attach_commit_coverage(mcf); c != nullptr && mcf->durability == Durability::fsync) {
    page.covers = voxfra::metrics::CommitCovers{c->covered_by_next.load(), c->own_syncs.load()};
  }
  auto** zones = static_cast<ngx_shm_zone_t**>(mcf->zones.elts);
  for (ngx_uint_t i = 0; i < mcf->zones.nelts; ++i) {
    auto* zone = static_cast<Zone*>(zones[i]->data);
    size_t used;
    {
      ZoneLock lock(zone);
      used = zone->state.used_bytes(zone->header->block_size);
    }
    // The slab's own pages and headers are in use from the start.
    used += zones[i]->shm.size - zone->header->block_size;
    page.zones.push_back({view(zones[i]->shm.name), used, zones[i]->shm.size});
  }
  return page;
}

ngx_int_t metrics_handler(ngx_http_request_t* r) {
  try {
    if (!(r->method & (NGX_HTTP_GET | NGX_HTTP_HEAD))) {
      static ngx_str_t allow = ngx_string("Allow");
      if (add_header(r, allow, "GET, HEAD") != NGX_OK) return NGX_HTTP_INTERNAL_SERVER_ERROR;
      return NGX_HTTP_NOT_ALLOWED;
    }
    ngx_int_t rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) return rc;
    std::string text = write_prometheus(read_page(r));
    u_char* body = static_cast<u_char*>(ngx_pnalloc(r->pool, text.size()));
    if (body == nullptr) return NGX_HTTP_INTERNAL_SERVER_ERROR;
    ngx_memcpy(body, text.data(), text.size());
    ngx_str_t type{voxfra::metrics::kContentType.size(),
                   reinterpret_cast<u_char*>(const_cast<char*>(voxfra::metrics::kContentType.data()))};
    return send_body(r, NGX_HTTP_OK, type, {reinterpret_cast<char*>(body), text.size()});
  } catch (const std::exception& e) {
    ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0, "voxfra: %s", e.what());
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
}

}  // namespace

ngx_int_t add_metrics_zone(ngx_conf_t* cf, MainConf* mcf) {
  ngx_str_t name = ngx_string("voxfra_metrics");
  ngx_shm_zone_t* shm_zone = ngx_shared_memory_add(cf, &name, kMetricsZoneSize, &metrics_zone_tag);
  if (shm_zone == nullptr) return NGX_ERROR;
  if (shm_zone->data == nullptr) {
    auto* zone = static_cast<MetricsZone*>(ngx_pcalloc(cf->pool, sizeof(MetricsZone)));
    if (zone == nullptr) return NGX_ERROR;
    shm_zone->init = init_metrics_zone;
    shm_zone->data = zone;
  }
  mcf->metrics_zone = shm_zone;
  return NGX_OK;
}

char* set_metrics(ngx_conf_t* cf, ngx_command_t*, void*) {
  auto* clcf = static_cast<ngx_http_core_loc_conf_t*>(ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));
  if (clcf->handler == metrics_handler) return const_cast<char*>("is duplicate");
  clcf->handler = metrics_handler;
  return NGX_CONF_OK;
}

// ---------------------------------------------------------------------------
// Counting

Counters* attach_counters(const MainConf* mcf) {
  if (mcf->metrics_zone == nullptr) return nullptr;
  return static_cast<MetricsZone*>(mcf->metrics_zone->data)->counters;
}

voxfra::CommitCoverage* attach_commit_coverage(const MainConf* mcf) {
  if (mcf->metrics_zone == nullptr) return nullptr;
  return static_cast<MetricsZone*>(mcf->metrics_zone->data)->coverage;
}

void observe_request(const RequestObservation& o) {
  if (Counters* c = counters()) {
    voxfra::metrics::RequestSample sample;
    sample.provider = o.provider;
    sample.outcome = o.outcome;
    sample.reason = o.reason;
    sample.duration_micros = o.duration_micros;
    c->count_request(sample);
  }
  if (!o.endpoint_id.empty()) record_request(o);
}

void observe_batch(voxfra::PendingCall* const* calls, size_t count, uint64_t commit_micros) {
  Counters* c = counters();
  if (c == nullptr || count == 0) return;
  c->count_batch(count);
  if (commit_micros) c->count_commit_duration(commit_micros);
  uint64_t stored = 0;
  for (size_t i = 0; i < count; ++i) {
    if (calls[i]->result == voxfra::PendingCall::Result::stored) ++stored;
    if (calls[i]->result == voxfra::PendingCall::Result::failed) {
      c->count_storage_failure(voxfra::metrics::classify_storage_error(calls[i]->error.code()));
    }
  }
  if (stored) c->count_stored(stored);
}

void observe_storage_failure(voxfra::metrics::StorageFailure f) {
  if (Counters* c = counters()) c->count_storage_failure(f);
}

}  // namespace voxfra_ngx
