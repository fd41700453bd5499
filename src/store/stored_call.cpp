// How a call sits in `calls`, its record id, and its idempotency key.
#include <cstring>

#include "store/bytes.h"
#include "store/key_fields.h"
#include "store/store.h"

namespace voxfra {

namespace {

constexpr std::uint8_t kStoredCallVersion = 1;
constexpr std::string_view kIdPrefix = "{\"id\":\"";
constexpr std::size_t kRecordIdSize = 16;
// u8 version, u8 provider, i64 received_at, four u16 lengths.
constexpr std::size_t kFixedHeaderSize = 1 + 1 + 8 + 4 * 2;

// Header fields are for filtering listings; they are small by nature (org
// and client are at most 64 characters). A longer one is cut in the header
// only: the JSON keeps it whole.
std::string_view header_field(std::string_view s) { return s.substr(0, 0xffff); }

// What follows the record's opening '{'. "{}" (and "{ }") has no member to
// put a comma before; a record that is not an object at all is stored as
// an empty one rather than as invalid JSON.
struct RecordTail {
  std::string_view members;  // up to and including the closing '}'
  bool needs_comma;
};

RecordTail record_tail(std::string_view record_json) {
  if (record_json.empty() || record_json.front() != '{') return {"}", false};
  std::string_view rest = record_json.substr(1);
  std::size_t first = rest.find_first_not_of(" \t\r\n");
  bool empty_object = first == std::string_view::npos || rest[first] == '}';
  return {rest, !empty_object};
}

char* put_text(char* out, std::string_view text) {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

char* put_header_field(char* out, std::string_view s) {
  s = header_field(s);
  bytes::put_u16le(out, static_cast<std::uint16_t>(s.size()));
  return put_text(out + 2, s);
}

}  // namespace

bool make_idempotency_key(std::string& out, std::string_view org, std::string_view client,
                          Provider provider, std::string_view call_id, std::string_view event) {
  if (!key_field_problem(KeyField::name, org).empty() || !key_field_problem(KeyField::name, client).empty() ||
      !key_field_problem(KeyField::call_id, call_id).empty() || !key_field_problem(KeyField::event, event).empty()) {
    return false;
  }
  append_idempotency_key_unchecked(out, org, client, provider, call_id, event);
  return true;
}

void append_idempotency_key_unchecked(std::string& out, std::string_view org, std::string_view client,
                                      Provider provider, std::string_view call_id, std::string_view event) {
  std::string_view provider_text = provider_name(provider);
  out.reserve(out.size() + org.size() + client.size() + provider_text.size() + call_id.size() +
              event.size() + 4);
  out.append(org).push_back('\0');
  out.append(client).push_back('\0');
  out.append(provider_text).push_back('\0');
  out.append(call_id).push_back('\0');
  out.append(event);
}

void record_id(std::uint64_t sequence, char out[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    out[i] = kHex[sequence & 0xf];
    sequence >>= 4;
  }
}

std::string record_id(std::uint64_t sequence) {
  std::string id(kRecordIdSize, '0');
  record_id(sequence, id.data());
  return id;
}

std::optional<std::uint64_t> parse_record_id(std::string_view id) {
  if (id.size() != kRecordIdSize) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : id) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    value = (value << 4) | static_cast<std::uint64_t>(digit);
  }
  return value;
}

std::size_t stored_call_size(const PendingCall& call) {
  RecordTail tail = record_tail(call.record_json);
  return kFixedHeaderSize + header_field(call.org).size() + header_field(call.client).size() +
         header_field(call.call_id).size() + header_field(call.event).size() + kIdPrefix.size() +
         kRecordIdSize + 1 + (tail.needs_comma ? 1 : 0) + tail.members.size();
}

void encode_stored_call(const PendingCall& call, std::uint64_t seq, char* out) {
  *out++ = static_cast<char>(kStoredCallVersion);
  *out++ = static_cast<char>(call.provider);
  bytes::put_u64le(out, static_cast<std::uint64_t>(call.received_at));
  out += 8;
  out = put_header_field(out, call.org);
  out = put_header_field(out, call.client);
  out = put_header_field(out, call.call_id);
  out = put_header_field(out, call.event);

  RecordTail tail = record_tail(call.record_json);
  out = put_text(out, kIdPrefix);
  record_id(seq, out);
  out += kRecordIdSize;
  *out++ = '"';
  if (tail.needs_comma) *out++ = ',';
  put_text(out, tail.members);
}

std::optional<std::string> record_without_id(std::string_view json) {
  const std::size_t id_end = kIdPrefix.size() + kRecordIdSize;  // the id's closing quote
  if (json.size() <= id_end + 1 || !json.starts_with(kIdPrefix) || json[id_end] != '"' ||
      !parse_record_id(json.substr(kIdPrefix.size(), kRecordIdSize))) {
    return std::nullopt;
  }
  std::string_view rest = json.substr(id_end + 1);  // ",members}" or "}"
  if (rest.front() == ',') rest.remove_prefix(1);
  std::string out;
  out.reserve(rest.size() + 1);
  out.push_back('{');
  out.append(rest);
  return out;
}

bool decode_stored_call(std::string_view encoded, StoredCall& out) {
  bytes::Reader in(encoded);
  if (in.u8() != kStoredCallVersion) return false;
  std::optional<Provider> provider = provider_from_code(in.u8());
  auto received_at = static_cast<UnixMillis>(in.u64le());
  std::string_view org = in.take(in.u16le());
  std::string_view client = in.take(in.u16le());
  std::string_view call_id = in.take(in.u16le());
  std::string_view event = in.take(in.u16le());
  if (!in.ok() || !provider || in.rest().empty()) return false;
  out.provider = *provider;
  out.received_at = received_at;
  out.org = org;
  out.client = client;
  out.call_id = call_id;
  out.event = event;
  out.json = in.rest();
  return true;
}

}  // namespace voxfra
