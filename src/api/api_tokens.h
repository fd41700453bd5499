// Who may read the Management API: bearer tokens, each scoped to one org or
// to all ("*"). Tokens made by `voxfra token create` live hashed in the
// store's `tokens` database (store/api_token.h) and look like
//   vxt_<16 hex: the public id>_<48 hex: 192 random bits>
// so that a request's token is found by its id and then compared, by its
// SHA-256, in constant time. An operator may also keep tokens in a file
// (`voxfra_api token_file=PATH`): one `<sha256 hex> <org or *> [role]` a
// line, any token text, compared in constant time against every line.
// A token's role (store/api_token.h) says whether it may change endpoints.
#pragma once
#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/api_token.h"
#include "store/store.h"

namespace voxfra {

struct IssuedApiToken {
  ApiToken record;    // to store
  std::string token;  // to show once
};
// A new token from OpenSSL's RNG; throws std::runtime_error when it fails.
IssuedApiToken issue_api_token(std::string scope, std::string name, TokenRole role, UnixMillis now);

struct FileApiToken {
  std::array<unsigned char, 32> sha256{};
  std::string scope;  // an org, or kAllOrgs
  TokenRole role = TokenRole::read;
  std::size_t line = 0;
};
// A token file's text; throws std::runtime_error("line N: ...") for a line
// that is not `<64 hex digits> <org or *> [read|write|admin]` (blank lines
// and # comments pass).
std::vector<FileApiToken> parse_token_file(std::string_view text);

// What a request's token may see.
struct TokenScope {
  std::string id;     // "tok_…", or "file:<line>"
  std::string scope;  // an org, or kAllOrgs
  TokenRole role = TokenRole::read;
  std::string name;   // the operator's label, may be empty
  bool may_write() const { return role == TokenRole::write || role == TokenRole::admin; }
  bool all_orgs() const { return scope == kAllOrgs; }
  bool covers(std::string_view org) const { return all_orgs() || scope == org; }
};

// The token of an `Authorization: Bearer <token>` header; nullopt when the
// header is absent or of another scheme.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// The scope of `token`, if it is a live token of the store or of the file.
std::optional<TokenScope> authenticate(MDB_txn* txn, const Store& store, std::span<const FileApiToken> file_tokens,
                                       std::string_view token);

}  // namespace voxfra
