#include "store/api_token.h"

#include <algorithm>
#include <cstring>

#include "store/bytes.h"
#include "store/cursor.h"
#include "store/lmdb_util.h"

namespace voxfra {

namespace {

constexpr std::uint8_t kReadTokenVersion = 1;  // before roles
constexpr std::uint8_t kTokenVersion = 2;

void append_text(std::string& out, std::string_view text) {
  char length[2];
  bytes::put_u16le(length, static_cast<std::uint16_t>(std::min<std::size_t>(text.size(), 0xffff)));
  out.append(length, 2).append(text.substr(0, 0xffff));
}

}  // namespace

std::string encode_api_token(const ApiToken& t) {
  std::string out;
  out.push_back(static_cast<char>(kTokenVersion));
  out.append(reinterpret_cast<const char*>(t.sha256.data()), t.sha256.size());
  bytes::append_u64le(out, static_cast<std::uint64_t>(t.created_at));
  bytes::append_u64le(out, static_cast<std::uint64_t>(t.revoked_at));
  append_text(out, t.scope);
  append_text(out, t.name);
  out.push_back(static_cast<char>(t.role));
  return out;
}

std::string_view token_role_name(TokenRole role) {
  switch (role) {
    case TokenRole::read: return "read";
    case TokenRole::write: return "write";
    case TokenRole::admin: return "admin";
  }
  return "read";
}

std::optional<TokenRole> token_role_from_name(std::string_view name) {
  for (TokenRole role : {TokenRole::read, TokenRole::write, TokenRole::admin}) {
    if (token_role_name(role) == name) return role;
  }
  return std::nullopt;
}

bool decode_api_token(std::string_view id, std::string_view encoded, ApiToken& out) {
  bytes::Reader in(encoded);
  const std::uint8_t version = in.u8();
  if (version != kReadTokenVersion && version != kTokenVersion) return false;
  ApiToken t;
  t.id = std::string(id);
  std::string_view hash = in.take(t.sha256.size());
  if (in.ok()) std::memcpy(t.sha256.data(), hash.data(), hash.size());
  t.created_at = static_cast<UnixMillis>(in.u64le());
  t.revoked_at = static_cast<UnixMillis>(in.u64le());
  t.scope = std::string(in.take(in.u16le()));
  t.name = std::string(in.take(in.u16le()));
  if (version == kTokenVersion) {
    const std::uint8_t role = in.u8();
    if (role < static_cast<std::uint8_t>(TokenRole::read) || role > static_cast<std::uint8_t>(TokenRole::admin)) {
      return false;
    }
    t.role = static_cast<TokenRole>(role);
  }
  if (!in.ok() || !in.at_end() || t.scope.empty()) return false;
  out = std::move(t);
  return true;
}

std::optional<ApiToken> find_api_token(MDB_txn* txn, const Store& store, std::string_view id) {
  if (store.tokens_dbi() == 0 || id.empty() || id.size() > 64) return std::nullopt;
  MDB_val key = lmdb::val(id), value;
  int rc = mdb_get(txn, store.tokens_dbi(), &key, &value);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  lmdb::check(rc, "cannot read a token");
  ApiToken t;
  if (!decode_api_token(id, lmdb::view(value), t)) return std::nullopt;
  return t;
}

std::vector<ApiToken> all_api_tokens(MDB_txn* txn, const Store& store) {
  std::vector<ApiToken> all;
  if (store.tokens_dbi() == 0) return all;
  Cursor cursor(txn, store.tokens_dbi());
  for (bool more = cursor.first(); more; more = cursor.next()) {
    ApiToken t;
    if (decode_api_token(cursor.key(), cursor.value(), t)) all.push_back(std::move(t));
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const ApiToken& a, const ApiToken& b) { return a.created_at < b.created_at; });
  return all;
}

void save_api_token(MDB_txn* txn, const Store& store, const ApiToken& t) {
  if (store.tokens_dbi() == 0) throw StoreError("the store has no tokens database (opened read-only)");
  std::string value = encode_api_token(t);
  MDB_val key = lmdb::val(t.id), v = lmdb::val(value);
  lmdb::check(mdb_put(txn, store.tokens_dbi(), &key, &v, 0), "cannot write a token");
}

}  // namespace voxfra
