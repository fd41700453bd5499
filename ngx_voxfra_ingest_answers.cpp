// The worker's store and zone answering the questions the core asks of an
// ingest request: before the body (voxfra::admit: the endpoint, the rate
// window) and after it (voxfra::after_body: settling, idempotency keys).

#include <exception>

#include "ngx_voxfra_ingest.h"

namespace voxfra_ngx {

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

namespace {

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

}  // namespace

bool AdmissionAnswers::store_available() {
  if (g_worker != nullptr && g_worker->reader != nullptr) return true;
  observe_storage_failure(voxfra::metrics::StorageFailure::unavailable);
  return false;
}

AdmissionAnswers::Lookup AdmissionAnswers::find_endpoint(voxfra::EndpointView& out) {
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
AdmissionAnswers::RateVerdict AdmissionAnswers::check_rate(const voxfra::EndpointView& endpoint) {
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

bool AfterBodyAnswers::settle_rate(bool signature_ok) {
  return ask_rate(ctx_, [&](voxfra::ZoneState& z) {
           return z.settle(rate_subject(ctx_), ctx_->limits, signature_ok, ctx_->received_at);
         }).allowed;
}

// The key's hash is kept: a call stored from here on is remembered under it.
bool AfterBodyAnswers::seen_stored(std::string_view idempotency_key, uint64_t& sequence) {
  ctx_->idempotency_hash = voxfra::idempotency_hash(idempotency_key);
  ZoneLock lock(ctx_->zone);
  return ctx_->zone->state.seen(ctx_->idempotency_hash, ctx_->received_at,
                                static_cast<int64_t>(ctx_->idempotency_window), &sequence);
}

}  // namespace voxfra_ngx
