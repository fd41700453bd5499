// The opaque `cursor` of a listing: where its next page starts. base64url
// of a kind byte and the position, so that a cursor of one listing is not
// taken by another.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "store/call_listing.h"

namespace voxfra::api {

std::string encode_call_cursor(const CallPosition& p);
std::optional<CallPosition> decode_call_cursor(std::string_view cursor);

// Endpoints are listed by id; the cursor holds the last id shown.
std::string encode_endpoint_cursor(std::string_view last_id);
std::optional<std::string> decode_endpoint_cursor(std::string_view cursor);

// The audit log is listed newest first; the cursor holds the last sequence shown.
std::string encode_audit_cursor(std::uint64_t last_sequence);
std::optional<std::uint64_t> decode_audit_cursor(std::string_view cursor);

}  // namespace voxfra::api
