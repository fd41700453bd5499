#include "api/page_cursor.h"

#include "store/bytes.h"
#include "util/hmac.h"

namespace voxfra::api {

namespace {

constexpr char kCallsKind = 'c';
constexpr char kEndpointsKind = 'e';
constexpr char kAuditKind = 'a';

std::string encode(std::string_view raw) { return base64_encode(as_bytes(raw), Base64Alphabet::url, false); }

std::optional<std::string> decode(std::string_view cursor, char kind) {
  if (cursor.empty() || cursor.size() > 256) return std::nullopt;
  auto raw = base64_decode(cursor, Base64Alphabet::url);
  if (!raw || raw->empty() || raw->front() != kind) return std::nullopt;
  return raw->substr(1);
}

}  // namespace

std::string encode_call_cursor(const CallPosition& p) {
  char raw[17];
  raw[0] = kCallsKind;
  bytes::put_u64be(raw + 1, p.top);
  bytes::put_u64be(raw + 9, p.below);
  return encode({raw, sizeof raw});
}

std::optional<CallPosition> decode_call_cursor(std::string_view cursor) {
  auto raw = decode(cursor, kCallsKind);
  if (!raw || raw->size() != 16) return std::nullopt;
  return CallPosition{bytes::get_u64be(raw->data()), bytes::get_u64be(raw->data() + 8)};
}

std::string encode_endpoint_cursor(std::string_view last_id) { return encode(std::string(1, kEndpointsKind) + std::string(last_id)); }

std::optional<std::string> decode_endpoint_cursor(std::string_view cursor) {
  auto raw = decode(cursor, kEndpointsKind);
  if (!raw || raw->empty()) return std::nullopt;
  return raw;
}

std::string encode_audit_cursor(std::uint64_t last_sequence) {
  char raw[9];
  raw[0] = kAuditKind;
  bytes::put_u64be(raw + 1, last_sequence);
  return encode({raw, sizeof raw});
}

std::optional<std::uint64_t> decode_audit_cursor(std::string_view cursor) {
  auto raw = decode(cursor, kAuditKind);
  if (!raw || raw->size() != 8) return std::nullopt;
  return bytes::get_u64be(raw->data());
}

}  // namespace voxfra::api
