// The Management API's answers to creates and replaces made with an
// Idempotency-Key, so that a retried POST gets the first answer again
// instead of making a second endpoint. In `apikeys`: key = token id, NUL,
// Idempotency-Key; value = u8 version(1), i64 at (ms), 32 bytes SHA-256 of
// the request (method, path, body), u16 status, then the answer's body to
// the end. An answer can hold a new secret, as the endpoint record does.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"
#include "util/time.h"

namespace voxfra {

inline constexpr std::int64_t kApiKeyLifetimeMs = 24 * 60 * 60 * 1000;

struct StoredApiAnswer {
  UnixMillis at = 0;
  std::array<unsigned char, 32> request_sha256{};
  int status = 0;
  std::string body;
};

// nullopt when there is none younger than kApiKeyLifetimeMs at `now`.
std::optional<StoredApiAnswer> find_api_answer(MDB_txn* txn, const Store& store, std::string_view token_id,
                                               std::string_view idempotency_key, UnixMillis now);
// In a write transaction. Throws StoreError.
void save_api_answer(MDB_txn* txn, const Store& store, std::string_view token_id, std::string_view idempotency_key,
                     const StoredApiAnswer& answer);

}  // namespace voxfra
