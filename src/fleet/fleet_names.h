// The names a fleet shares (docs/fleet.md): the stream of calls, its
// subjects and headers, the endpoints bucket. Nothing here needs NATS.
#pragma once
#include <string>
#include <string_view>

#include "store/store.h"

namespace voxfra::fleet {

inline constexpr const char* kCallsStream = "VOXFRA_CALLS";
inline constexpr std::string_view kCallsSubjectPrefix = "voxfra.calls.";
inline constexpr const char* kCallsSubjects = "voxfra.calls.>";
inline constexpr const char* kEndpointsBucket = "voxfra_endpoints";
// Headers of a call message, besides Nats-Msg-Id (the key hash).
inline constexpr const char* kNodeHeader = "Voxfra-Node";
inline constexpr const char* kRecordIdHeader = "Voxfra-Record-Id";

// A name as one subject token: letters, digits, '_' and '-' as they are,
// every other byte as '~' and two hex digits, so that no org name (which may
// hold '.') can add a token, and no two names share one.
std::string subject_token(std::string_view name);

// The SHA-256 of the idempotency key (org, client, provider, call id,
// event), 64 hex digits: the subject's last token and the message id.
std::string key_hash(std::string_view idempotency_key);

// voxfra.calls.<org token>.<key hash>: one subject per idempotency key.
std::string call_subject(std::string_view org, std::string_view hash);

// The idempotency key of a stored call.
std::string idempotency_key_of(const StoredCall& call);

}  // namespace voxfra::fleet
