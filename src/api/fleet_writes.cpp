// On a fleet node a change is the fleet's to make: the worker checks it
// against the node's mirror (the same route, in a transaction it aborts),
// queues it, and waits for voxfra-fleet's answer; NGINX never talks to NATS.
#include "api/fleet_writes.h"

#include <lmdb.h>

#include "api/routes.h"
#include "store/lmdb_util.h"

namespace voxfra {

namespace api {

ApiResponse queue_fleet_write(const RouteRequest& r, const ApiRequest& request, const std::vector<std::string>& segments,
                              Txn& txn, std::int64_t wait_ms) {
  {
    // The rules first, on this node's mirror: a refusal is answered at once,
    // in the same words, and nothing of the try is kept.
    MDB_txn* trial = nullptr;
    lmdb::check(mdb_txn_begin(mdb_txn_env(txn.get()), txn.get(), 0, &trial), "cannot begin a nested transaction");
    lmdb::AbortGuard guard(trial);
    StoreEndpointBook book(trial, r.store);
    RouteRequest tried{r.store, trial, r.token, r.query, r.request_id, &book, nullptr};
    ApiResponse answer = write_route(tried, request, segments);
    if (answer.status >= 300 || answer.replayed) return answer;
  }
  OutboxEntry e;
  e.deadline = now_millis() + wait_ms;
  e.method = request.method;
  e.path = request.path;
  e.body = request.body;
  e.content_type = request.content_type;
  e.idempotency_key = request.idempotency_key;
  e.request_id = request.request_id;
  e.token_id = r.token.id;
  e.token_name = r.token.name;
  e.token_scope = r.token.scope;
  e.token_role = static_cast<std::uint8_t>(r.token.role);
  queue_outbox_entry(txn.get(), r.store, e);
  txn.commit();
  ApiResponse queued;
  queued.status = 0;
  queued.fleet_request = e.id;
  return queued;
}

}  // namespace api

std::optional<ApiResponse> api_fleet_answer(const Store& store, MDB_txn* txn, std::uint64_t fleet_request,
                                            std::string_view request_id) {
  bool waiting = false;
  ApiResponse answer = api::answering(request_id, [&] {
    auto entry = read_outbox_entry(txn, store, fleet_request);
    if (!entry) throw std::runtime_error("the fleet outbox lost change " + std::to_string(fleet_request));
    if (entry->state == OutboxState::answered) {
      ApiResponse response;
      response.status = entry->status;
      response.replayed = entry->replayed;
      response.body = std::move(entry->answer);
      return response;
    }
    if (now_millis() < entry->deadline) {
      waiting = true;
      return ApiResponse{};
    }
    if (entry->state == OutboxState::queued) {
      // Never taken, and never will be: the daemon takes none after the deadline.
      throw api::ApiFailure{api::ApiError::fleet_unavailable, {},
                            "voxfra-fleet did not take the change within the wait (is it running? is NATS "
                            "reachable? see `voxfra fleet status`); nothing was changed, the request may be retried"};
    }
    throw api::ApiFailure{api::ApiError::fleet_unconfirmed, {},
                          "voxfra-fleet took the change but the fleet did not confirm it within the wait; it may "
                          "have been made: check GET v1/endpoints (or retry with the same Idempotency-Key)"};
  });
  if (waiting) return std::nullopt;
  return answer;
}

ApiResponse make_fleet_write(const Store& store, MDB_txn* txn, EndpointBook& book, const OutboxEntry& entry,
                             bool& keep_answer) {
  ApiRequest request;
  request.method = entry.method;
  request.path = entry.path;
  request.request_id = entry.request_id;
  request.body = entry.body;
  request.content_type = entry.content_type;
  request.idempotency_key = entry.idempotency_key;
  TokenScope token{entry.token_id, entry.token_scope, static_cast<TokenRole>(entry.token_role), entry.token_name};
  keep_answer = false;
  return api::answering(request.request_id, [&] {
    auto segments = path_segments(request.path);
    auto query = Query::parse("");
    if (!segments || !query) throw api::ApiFailure{api::ApiError::not_found};
    api::RouteRequest r{store, txn, token, *query, request.request_id, &book, &keep_answer};
    try {
      return api::write_route(r, request, *segments);
    } catch (const EndpointBookUnreachable& e) {
      return fleet_unreachable_answer(entry, e);
    }
  });
}

ApiResponse fleet_unreachable_answer(const OutboxEntry& entry, const EndpointBookUnreachable& e) {
  ApiResponse response = api::error_response(e.maybe_written ? api::ApiError::fleet_unconfirmed : api::ApiError::fleet_unavailable,
                             entry.request_id, {},
                             std::string("the fleet's bucket: ") + e.what() +
                                 (e.maybe_written ? "; the change may have been made in part: check GET v1/endpoints"
                                                  : "; nothing was changed, the request may be retried"));
  response.error_log = e.what();
  return response;
}

void answer_fleet_write(MDB_txn* txn, const Store& store, OutboxEntry& entry, const ApiResponse& response,
                        bool keep_answer, std::vector<AuditEntry>& audits) {
  for (AuditEntry& a : audits) append_audit_entry(txn, store, a);
  if (keep_answer && response.status < 300) {
    ApiRequest request;
    request.method = entry.method;
    request.path = entry.path;
    request.body = entry.body;
    request.idempotency_key = entry.idempotency_key;
    api::keep_idempotent_answer(txn, store, entry.token_id, request, response);
  }
  entry.state = OutboxState::answered;
  entry.status = response.status;
  entry.replayed = response.replayed;
  entry.answer = response.body;
  write_outbox_entry(txn, store, entry);
}

}  // namespace voxfra
