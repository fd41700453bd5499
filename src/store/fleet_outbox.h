// The fleet outbox: Management API changes on a fleet node, handed from
// NGINX's worker (which never talks to NATS) to voxfra-fleet, which makes
// them in the fleet's bucket and writes the answer back (docs/fleet.md,
// "Changes through the Management API"). In `fleet_outbox`: key = u64
// big-endian id (queue order); value = u8 version(1), u8 state, i64
// deadline (ms), u16 status, u8 token role, u8 replayed, then u32-length-prefixed
// method, path, body, content type, Idempotency-Key, request id, token id,
// token name, token scope and answer.
//
// Who wins at the deadline: the daemon takes only a `queued` entry, in a
// write transaction, before the deadline, and goes on only if its clock is
// still before it after that commit; the API, at the deadline, reads the
// entry: still `queued` means never made (nothing takes it later), `taken`
// means the daemon may be making it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"
#include "util/time.h"

namespace voxfra {

enum class OutboxState : std::uint8_t { queued = 0, taken = 1, answered = 2 };

struct OutboxEntry {
  std::uint64_t id = 0;  // given by queue_outbox_entry
  OutboxState state = OutboxState::queued;
  UnixMillis deadline = 0;
  // The request as the API took it (its token already checked).
  std::string method, path, body, content_type, idempotency_key, request_id;
  std::string token_id, token_name, token_scope;
  std::uint8_t token_role = 0;
  // answered: the API's answer, as the daemon made it.
  int status = 0;
  bool replayed = false;  // an Idempotency-Key's earlier answer
  std::string answer;
};

std::string encode_outbox_entry(const OutboxEntry& e);
bool decode_outbox_entry(std::uint64_t id, std::string_view bytes, OutboxEntry& out);

// In a write transaction: the next id, written queued. Throws StoreError.
std::uint64_t queue_outbox_entry(MDB_txn* txn, const Store& store, OutboxEntry& entry);
// nullopt when absent or unreadable.
std::optional<OutboxEntry> read_outbox_entry(MDB_txn* txn, const Store& store, std::uint64_t id);
// In a write transaction. Throws StoreError.
void write_outbox_entry(MDB_txn* txn, const Store& store, const OutboxEntry& entry);
// The queued entries whose deadline is after `now`, oldest first.
std::vector<OutboxEntry> queued_outbox_entries(MDB_txn* txn, const Store& store, UnixMillis now);
// Deletes entries whose deadline is before `before`; how many.
std::size_t prune_outbox(MDB_txn* txn, const Store& store, UnixMillis before);

}  // namespace voxfra
