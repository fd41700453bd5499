#include "store/fleet_outbox.h"

#include "store/bytes.h"
#include "store/cursor.h"
#include "store/lmdb_util.h"

namespace voxfra {

namespace {

constexpr std::uint8_t kOutboxVersion = 1;

void append_text(std::string& out, std::string_view s) {
  bytes::append_u32le(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

std::string key_of(std::uint64_t id) {
  char k[8];
  bytes::put_u64be(k, id);
  return std::string(k, 8);
}

MDB_dbi outbox_of(const Store& store) {
  if (store.outbox_dbi() == 0) throw StoreError("the store has no fleet_outbox database (opened read-only)");
  return store.outbox_dbi();
}

}  // namespace

std::string encode_outbox_entry(const OutboxEntry& e) {
  std::string out;
  out.push_back(static_cast<char>(kOutboxVersion));
  out.push_back(static_cast<char>(e.state));
  bytes::append_u64le(out, static_cast<std::uint64_t>(e.deadline));
  char status[2];
  bytes::put_u16le(status, static_cast<std::uint16_t>(e.status));
  out.append(status, 2);
  out.push_back(static_cast<char>(e.token_role));
  out.push_back(static_cast<char>(e.replayed ? 1 : 0));
  for (const std::string* s : {&e.method, &e.path, &e.body, &e.content_type, &e.idempotency_key, &e.request_id,
                               &e.token_id, &e.token_name, &e.token_scope, &e.answer}) {
    append_text(out, *s);
  }
  return out;
}

bool decode_outbox_entry(std::uint64_t id, std::string_view bytes, OutboxEntry& out) {
  bytes::Reader in(bytes);
  if (in.u8() != kOutboxVersion) return false;
  out.id = id;
  std::uint8_t state = in.u8();
  if (state > static_cast<std::uint8_t>(OutboxState::answered)) return false;
  out.state = static_cast<OutboxState>(state);
  out.deadline = static_cast<UnixMillis>(in.u64le());
  out.status = in.u16le();
  out.token_role = in.u8();
  out.replayed = in.u8() != 0;
  for (std::string* s : {&out.method, &out.path, &out.body, &out.content_type, &out.idempotency_key,
                         &out.request_id, &out.token_id, &out.token_name, &out.token_scope, &out.answer}) {
    *s = std::string(in.take(in.u32le()));
  }
  return in.ok() && in.at_end();
}

std::uint64_t queue_outbox_entry(MDB_txn* txn, const Store& store, OutboxEntry& entry) {
  std::uint64_t last = 0;
  {
    Cursor cursor(txn, outbox_of(store));
    if (cursor.last() && cursor.key().size() == 8) last = bytes::get_u64be(cursor.key().data());
  }
  entry.id = last + 1;
  entry.state = OutboxState::queued;
  write_outbox_entry(txn, store, entry);
  return entry.id;
}

std::optional<OutboxEntry> read_outbox_entry(MDB_txn* txn, const Store& store, std::uint64_t id) {
  if (store.outbox_dbi() == 0) return std::nullopt;
  std::string key = key_of(id);
  MDB_val k = lmdb::val(key), v;
  int rc = mdb_get(txn, store.outbox_dbi(), &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  lmdb::check(rc, "cannot read the fleet outbox");
  OutboxEntry e;
  if (!decode_outbox_entry(id, lmdb::view(v), e)) return std::nullopt;
  return e;
}

void write_outbox_entry(MDB_txn* txn, const Store& store, const OutboxEntry& entry) {
  std::string key = key_of(entry.id), value = encode_outbox_entry(entry);
  MDB_val k = lmdb::val(key), v = lmdb::val(value);
  lmdb::check(mdb_put(txn, outbox_of(store), &k, &v, 0), "cannot write the fleet outbox");
}

std::vector<OutboxEntry> queued_outbox_entries(MDB_txn* txn, const Store& store, UnixMillis now) {
  std::vector<OutboxEntry> queued;
  if (store.outbox_dbi() == 0) return queued;
  Cursor cursor(txn, store.outbox_dbi());
  for (bool more = cursor.first(); more; more = cursor.next()) {
    // The state byte first: most entries are answered, and never decoded here.
    std::string_view v = cursor.value();
    if (cursor.key().size() != 8 || v.size() < 2 || v[1] != static_cast<char>(OutboxState::queued)) continue;
    OutboxEntry e;
    if (decode_outbox_entry(bytes::get_u64be(cursor.key().data()), v, e) && e.deadline > now) {
      queued.push_back(std::move(e));
    }
  }
  return queued;
}

std::size_t prune_outbox(MDB_txn* txn, const Store& store, UnixMillis before) {
  if (store.outbox_dbi() == 0) return 0;
  std::vector<std::string> old;
  {
    Cursor cursor(txn, store.outbox_dbi());
    for (bool more = cursor.first(); more; more = cursor.next()) {
      bytes::Reader in(cursor.value());
      in.u8();
      in.u8();
      UnixMillis deadline = static_cast<UnixMillis>(in.u64le());
      if (!in.ok() || deadline < before) old.emplace_back(cursor.key());
    }
  }
  for (const std::string& key : old) {
    MDB_val k = lmdb::val(key);
    lmdb::check(mdb_del(txn, store.outbox_dbi(), &k, nullptr), "cannot prune the fleet outbox");
  }
  return old.size();
}

}  // namespace voxfra
