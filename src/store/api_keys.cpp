#include "store/api_keys.h"

#include <cstring>

#include "store/bytes.h"
#include "store/lmdb_util.h"

namespace voxfra {

namespace {

constexpr std::uint8_t kAnswerVersion = 1;

std::string key_of(std::string_view token_id, std::string_view idempotency_key) {
  std::string key(token_id);
  key.push_back('\0');
  key.append(idempotency_key);
  return key;
}

// When the answer at the cursor was saved; nullopt when it is not ours to read.
std::optional<UnixMillis> saved_at(std::string_view value) {
  bytes::Reader in(value);
  if (in.u8() != kAnswerVersion) return std::nullopt;
  auto at = static_cast<UnixMillis>(in.u64le());
  return in.ok() ? std::optional<UnixMillis>(at) : std::nullopt;
}

// Answers past their lifetime are of no use, and some hold a secret shown
// once: each save deletes the expired ones (few: a day of creates).
void delete_expired(MDB_txn* txn, MDB_dbi dbi, UnixMillis now) {
  MDB_cursor* cursor = nullptr;
  lmdb::check(mdb_cursor_open(txn, dbi, &cursor), "cannot read the idempotency keys");
  MDB_val k, v;
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
  while (rc == 0) {
    auto at = saved_at(lmdb::view(v));
    if (!at || now - *at >= kApiKeyLifetimeMs) rc = mdb_cursor_del(cursor, 0);
    if (rc == 0) rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_NOTFOUND) lmdb::check(rc, "cannot delete expired idempotency keys");
}

}  // namespace

std::optional<StoredApiAnswer> find_api_answer(MDB_txn* txn, const Store& store, std::string_view token_id,
                                               std::string_view idempotency_key, UnixMillis now) {
  if (store.apikeys_dbi() == 0) return std::nullopt;
  std::string key = key_of(token_id, idempotency_key);
  MDB_val k = lmdb::val(key), value;
  int rc = mdb_get(txn, store.apikeys_dbi(), &k, &value);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  lmdb::check(rc, "cannot read an idempotency key");
  bytes::Reader in(lmdb::view(value));
  if (in.u8() != kAnswerVersion) return std::nullopt;
  StoredApiAnswer answer;
  answer.at = static_cast<UnixMillis>(in.u64le());
  std::string_view hash = in.take(answer.request_sha256.size());
  if (in.ok()) std::memcpy(answer.request_sha256.data(), hash.data(), hash.size());
  answer.status = in.u16le();
  answer.body = std::string(in.rest());
  if (!in.ok() || now - answer.at >= kApiKeyLifetimeMs) return std::nullopt;
  return answer;
}

void save_api_answer(MDB_txn* txn, const Store& store, std::string_view token_id, std::string_view idempotency_key,
                     const StoredApiAnswer& answer) {
  if (store.apikeys_dbi() == 0) throw StoreError("the store has no apikeys database (opened read-only)");
  std::string value;
  value.push_back(static_cast<char>(kAnswerVersion));
  bytes::append_u64le(value, static_cast<std::uint64_t>(answer.at));
  value.append(reinterpret_cast<const char*>(answer.request_sha256.data()), answer.request_sha256.size());
  char status[2];
  bytes::put_u16le(status, static_cast<std::uint16_t>(answer.status));
  value.append(status, 2).append(answer.body);
  delete_expired(txn, store.apikeys_dbi(), answer.at);
  std::string key = key_of(token_id, idempotency_key);
  MDB_val k = lmdb::val(key), v = lmdb::val(value);
  lmdb::check(mdb_put(txn, store.apikeys_dbi(), &k, &v, 0), "cannot write an idempotency key");
}

}  // namespace voxfra
