#include "store/audit_log.h"

#include <algorithm>

#include "store/bytes.h"
#include "store/cursor.h"
#include "store/lmdb_util.h"

namespace voxfra {

namespace {

constexpr std::uint8_t kAuditVersion = 1;

void append_text(std::string& out, std::string_view text) {
  char length[2];
  text = text.substr(0, 0xffff);
  bytes::put_u16le(length, static_cast<std::uint16_t>(text.size()));
  out.append(length, 2).append(text);
}

std::string sequence_key(std::uint64_t sequence) {
  char key[8];
  bytes::put_u64be(key, sequence);
  return std::string(key, 8);
}

}  // namespace

std::string encode_audit_entry(const AuditEntry& e) {
  std::string out;
  out.push_back(static_cast<char>(kAuditVersion));
  bytes::append_u64le(out, static_cast<std::uint64_t>(e.at));
  for (const std::string* text : {&e.actor, &e.token_id, &e.action, &e.endpoint_id, &e.org, &e.client, &e.provider,
                                  &e.slug_prefix, &e.request_id, &e.detail}) {
    append_text(out, *text);
  }
  return out;
}

bool decode_audit_entry(std::uint64_t sequence, std::string_view encoded, AuditEntry& out) {
  bytes::Reader in(encoded);
  if (in.u8() != kAuditVersion) return false;
  AuditEntry e;
  e.sequence = sequence;
  e.at = static_cast<UnixMillis>(in.u64le());
  for (std::string* text : {&e.actor, &e.token_id, &e.action, &e.endpoint_id, &e.org, &e.client, &e.provider,
                            &e.slug_prefix, &e.request_id, &e.detail}) {
    *text = std::string(in.take(in.u16le()));
  }
  if (!in.ok() || !in.at_end()) return false;
  out = std::move(e);
  return true;
}

void append_audit_entry(MDB_txn* txn, const Store& store, AuditEntry& entry) {
  if (store.audit_dbi() == 0) throw StoreError("the store has no audit database (opened read-only)");
  std::uint64_t next = 1;
  {
    Cursor cursor(txn, store.audit_dbi());
    if (cursor.last() && cursor.key().size() == 8) next = bytes::get_u64be(cursor.key().data()) + 1;
  }
  entry.sequence = next;
  std::string key = sequence_key(next), value = encode_audit_entry(entry);
  MDB_val k = lmdb::val(key), v = lmdb::val(value);
  lmdb::check(mdb_put(txn, store.audit_dbi(), &k, &v, MDB_APPEND), "cannot write the audit log");
}

std::vector<AuditEntry> read_audit_log(MDB_txn* txn, const Store& store, const AuditQuery& query) {
  std::vector<AuditEntry> found;
  if (store.audit_dbi() == 0 || query.limit == 0) return found;
  Cursor cursor(txn, store.audit_dbi());
  bool more = query.before ? cursor.seek_below(sequence_key(*query.before)) : cursor.last();
  for (; more && found.size() < query.limit; more = cursor.prev()) {
    if (cursor.key().size() != 8) continue;
    AuditEntry e;
    if (!decode_audit_entry(bytes::get_u64be(cursor.key().data()), cursor.value(), e)) continue;
    if ((query.org && e.org != *query.org) || (query.endpoint_id && e.endpoint_id != *query.endpoint_id)) continue;
    found.push_back(std::move(e));
  }
  return found;
}

std::size_t count_changes_since(MDB_txn* txn, const Store& store, std::string_view token_id, UnixMillis since) {
  if (store.audit_dbi() == 0) return 0;
  std::size_t n = 0;
  Cursor cursor(txn, store.audit_dbi());
  for (bool more = cursor.last(); more; more = cursor.prev()) {
    AuditEntry e;
    if (cursor.key().size() != 8 || !decode_audit_entry(0, cursor.value(), e)) continue;
    if (e.at < since) break;  // appended in time order: the rest is older
    if (e.token_id == token_id) ++n;
  }
  return n;
}

}  // namespace voxfra
