// The audit log: every change of an endpoint, by the CLI or the Management
// API, in the same write transaction as the change itself, so that no
// change goes unrecorded and no entry names a change that was not made.
// Key: u64 big-endian sequence (append order is time order). Value: u8
// version(1), i64 at (ms), then u16-length-prefixed actor, token id,
// action, endpoint id, org, client, provider, slug prefix, request id and
// detail (a JSON object of what changed). Never a secret, never a whole
// slug: the prefix only, as the API shows it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "util/time.h"

namespace voxfra {

struct AuditEntry {
  std::uint64_t sequence = 0;  // given by append_audit_entry
  UnixMillis at = 0;
  std::string actor;           // "cli:<user>", or the token's name (its id when unnamed)
  std::string token_id;        // "tok_…", "file:<line>"; empty for the CLI
  std::string action;          // create, disable, enable, revoke, replace, rotate-secret, set
  std::string endpoint_id;
  std::string org;
  std::string client;
  std::string provider;
  std::string slug_prefix;
  std::string request_id;      // the API's; empty for the CLI
  std::string detail;          // a JSON object: what changed, "{}" when nothing more
};

// The first characters of a slug, enough to tell endpoints apart and too
// few to post to one.
inline constexpr std::size_t kSlugPrefixLength = 6;
inline std::string slug_prefix(std::string_view slug) { return std::string(slug.substr(0, kSlugPrefixLength)); }

std::string encode_audit_entry(const AuditEntry& e);
bool decode_audit_entry(std::uint64_t sequence, std::string_view bytes, AuditEntry& out);

// In a write transaction; sets entry.sequence. Throws StoreError.
void append_audit_entry(MDB_txn* txn, const Store& store, AuditEntry& entry);

struct AuditQuery {
  std::optional<std::string> org;          // only this org's
  std::optional<std::string> endpoint_id;  // only this endpoint's
  std::optional<std::uint64_t> before;     // sequences below this (a page's cursor)
  std::size_t limit = 50;
};
// Newest first. Entries this version cannot read are skipped.
std::vector<AuditEntry> read_audit_log(MDB_txn* txn, const Store& store, const AuditQuery& query);

// How many changes `token_id` made at or after `since`: the Management
// API's write limit, counted where every worker and process sees the same.
std::size_t count_changes_since(MDB_txn* txn, const Store& store, std::string_view token_id, UnixMillis since);

}  // namespace voxfra
