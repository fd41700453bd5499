// A Management API token as `tokens` keeps it: never the token itself, only
// its SHA-256, under the token's public id. The value is u8 version(1),
// 32 bytes of SHA-256, i64 created_at, i64 revoked_at (0: active), then
// u16-length-prefixed scope ("*" or an org) and name (little-endian), then
// (version 2) u8 role. A version 1 token is a read token.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "util/time.h"

namespace voxfra {

inline constexpr std::string_view kAllOrgs = "*";

// What a token may do: read reads; write also changes endpoints; admin also
// reads the audit log.
enum class TokenRole : std::uint8_t { read = 1, write = 2, admin = 3 };
std::string_view token_role_name(TokenRole role);
std::optional<TokenRole> token_role_from_name(std::string_view name);

struct ApiToken {
  std::string id;                     // "tok_" + 16 hex; the key, not encoded in the value
  std::array<unsigned char, 32> sha256{};
  std::string scope;                  // an org, or kAllOrgs
  std::string name;                   // the operator's label, may be empty
  UnixMillis created_at = 0;
  UnixMillis revoked_at = 0;
  TokenRole role = TokenRole::read;

  bool revoked() const { return revoked_at != 0; }
};

std::string encode_api_token(const ApiToken& t);
// false when the bytes are not a token record this version can read.
bool decode_api_token(std::string_view id, std::string_view bytes, ApiToken& out);

// In a read transaction; nullopt when there is none (or no `tokens` yet).
std::optional<ApiToken> find_api_token(MDB_txn* txn, const Store& store, std::string_view id);
// Every token, oldest first.
std::vector<ApiToken> all_api_tokens(MDB_txn* txn, const Store& store);
// In a write transaction.
void save_api_token(MDB_txn* txn, const Store& store, const ApiToken& t);

}  // namespace voxfra
