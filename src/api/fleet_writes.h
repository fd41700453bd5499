// The Management API's changes on a fleet node, voxfra-fleet's half
// (docs/fleet.md, "Changes through the Management API"): the worker queued
// the request in the store's fleet outbox (store/fleet_outbox.h) after the
// rules accepted it against the node's mirror; the daemon makes it again,
// through the same route code, against the fleet's bucket, and writes the
// answer back for the worker to send.
#pragma once
#include <vector>

#include "api/api.h"
#include "endpoints/endpoint_book.h"
#include "store/audit_log.h"
#include "store/fleet_outbox.h"

namespace voxfra {

// Makes `entry`'s change through `book`, reading the node's store in `txn`
// (a read transaction). `keep_answer` is set when the answer is due under
// the request's Idempotency-Key. Never throws.
ApiResponse make_fleet_write(const Store& store, MDB_txn* txn, EndpointBook& book, const OutboxEntry& entry,
                             bool& keep_answer);
// The answer when the fleet could not be reached: 503 when nothing was
// written, else 504 (it may have been made in part); error_log says why.
ApiResponse fleet_unreachable_answer(const OutboxEntry& entry, const EndpointBookUnreachable& e);
// In a write transaction: `response` as `entry`'s answer, with the audit
// entries of the change and the Idempotency-Key's answer, all at once.
void answer_fleet_write(MDB_txn* txn, const Store& store, OutboxEntry& entry, const ApiResponse& response,
                        bool keep_answer, std::vector<AuditEntry>& audits);

}  // namespace voxfra
