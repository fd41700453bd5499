#include "api/api_tokens.h"

#include <stdexcept>

#include "auth/random.h"
#include "util/hmac.h"

namespace voxfra {

namespace {

constexpr std::string_view kTokenPrefix = "vxt_";
constexpr std::size_t kIdHexBytes = 8;       // 16 hex digits
constexpr std::size_t kSecretHexBytes = 24;  // 48 hex digits, 192 bits

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The public id inside a token made by issue_api_token, if it is one.
std::optional<std::string> token_id(std::string_view token) {
  constexpr std::size_t id_size = 2 * kIdHexBytes, secret_size = 2 * kSecretHexBytes;
  if (token.size() != kTokenPrefix.size() + id_size + 1 + secret_size || !token.starts_with(kTokenPrefix)) {
    return std::nullopt;
  }
  std::string_view id = token.substr(kTokenPrefix.size(), id_size);
  if (token[kTokenPrefix.size() + id_size] != '_' || !is_hex(id)) return std::nullopt;
  return "tok_" + std::string(id);
}

bool valid_scope(std::string_view scope) {
  if (scope == kAllOrgs) return true;
  if (scope.empty() || scope.size() > 64) return false;
  for (char c : scope) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

IssuedApiToken issue_api_token(std::string scope, std::string name, TokenRole role, UnixMillis now) {
  std::string id = random_hex(kIdHexBytes);
  IssuedApiToken issued;
  issued.token = std::string(kTokenPrefix) + id + "_" + random_hex(kSecretHexBytes);
  issued.record.id = "tok_" + id;
  issued.record.sha256 = sha256(issued.token);
  issued.record.scope = std::move(scope);
  issued.record.name = std::move(name);
  issued.record.created_at = now;
  issued.record.role = role;
  return issued;
}

std::vector<FileApiToken> parse_token_file(std::string_view text) {
  std::vector<FileApiToken> tokens;
  std::size_t line_number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    std::size_t space = line.find_first_of(" \t");
    std::string_view hash = line.substr(0, space);
    std::string_view scope = space == std::string_view::npos ? std::string_view() : trim(line.substr(space));
    std::string_view role;
    if (std::size_t gap = scope.find_first_of(" \t"); gap != std::string_view::npos) {
      role = trim(scope.substr(gap));
      scope = scope.substr(0, gap);
    }
    FileApiToken t;
    t.line = line_number;
    if (!hex_decode(hash, t.sha256)) {
      throw std::runtime_error("line " + std::to_string(line_number) +
                               ": expected the token's SHA-256 as 64 hex digits, then an org or *");
    }
    if (!valid_scope(scope)) {
      throw std::runtime_error("line " + std::to_string(line_number) + ": expected an org name or * after the hash");
    }
    t.scope = std::string(scope);
    if (!role.empty()) {
      auto parsed = token_role_from_name(role);
      if (!parsed) {
        throw std::runtime_error("line " + std::to_string(line_number) +
                                 ": the role after the org is read, write or admin");
      }
      t.role = *parsed;
    }
    tokens.push_back(std::move(t));
  }
  return tokens;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  authorization = trim(authorization);
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size() + 1) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != scheme[i]) return std::nullopt;
  }
  if (authorization[scheme.size()] != ' ') return std::nullopt;
  std::string_view token = trim(authorization.substr(scheme.size() + 1));
  if (token.empty()) return std::nullopt;
  return token;
}

std::optional<TokenScope> authenticate(MDB_txn* txn, const Store& store, std::span<const FileApiToken> file_tokens,
                                       std::string_view token) {
  const Sha256Digest digest = sha256(token);
  if (auto id = token_id(token)) {
    if (auto stored = find_api_token(txn, store, *id);
        stored && !stored->revoked() && constant_time_equal(digest, stored->sha256)) {
      return TokenScope{stored->id, stored->scope, stored->role, stored->name};
    }
  }
  // Every line is compared, so that the time taken does not tell which one matched.
  const FileApiToken* match = nullptr;
  for (const FileApiToken& t : file_tokens) {
    if (constant_time_equal(digest, t.sha256) && match == nullptr) match = &t;
  }
  if (match != nullptr) {
    return TokenScope{"file:" + std::to_string(match->line), match->scope, match->role, {}};
  }
  return std::nullopt;
}

}  // namespace voxfra
