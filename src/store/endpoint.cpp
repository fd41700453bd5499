#include "store/endpoint.h"

#include <type_traits>

#include "store/bytes.h"

namespace voxfra {

namespace {

constexpr std::uint8_t kEndpointVersion = 1;

// Field tags. Numbers are forever: a new field takes a new number, and a
// reader that does not know it skips it.
enum class Tag : std::uint8_t {
  id = 1,
  org = 2,
  client = 3,
  provider = 4,     // u8 Provider
  status = 5,       // u8 EndpointStatus
  secret = 6,       // i64 expires_at, then the secret; repeated
  allow = 7,        // one CIDR as written; repeated
  rate_limit = 8,   // u32
  api_key = 9,
  replaced_by = 10,
  created_at = 11,  // i64
  updated_at = 12,  // i64
};

// The fields a record is unusable without: a truncated or foreign value
// must not decode into an active endpoint with defaults filled in.
constexpr unsigned kRequiredFields = (1u << static_cast<unsigned>(Tag::id)) |
                                     (1u << static_cast<unsigned>(Tag::org)) |
                                     (1u << static_cast<unsigned>(Tag::client)) |
                                     (1u << static_cast<unsigned>(Tag::provider)) |
                                     (1u << static_cast<unsigned>(Tag::status));

void append_field(std::string& out, Tag tag, std::string_view value) {
  out.push_back(static_cast<char>(tag));
  bytes::append_u32le(out, static_cast<std::uint32_t>(value.size()));
  out.append(value);
}

void append_u8_field(std::string& out, Tag tag, std::uint8_t value) {
  char b = static_cast<char>(value);
  append_field(out, tag, {&b, 1});
}

void append_u32_field(std::string& out, Tag tag, std::uint32_t value) {
  char b[4];
  bytes::put_u32le(b, value);
  append_field(out, tag, {b, 4});
}

void append_i64_field(std::string& out, Tag tag, std::int64_t value) {
  char b[8];
  bytes::put_u64le(b, static_cast<std::uint64_t>(value));
  append_field(out, tag, {b, 8});
}

std::optional<Provider> provider_from_byte(std::string_view v) {
  if (v.size() != 1) return std::nullopt;
  return provider_from_code(static_cast<std::uint8_t>(v[0]));
}

std::optional<EndpointStatus> status_from_byte(std::string_view v) {
  if (v.size() != 1) return std::nullopt;
  auto n = static_cast<std::uint8_t>(v[0]);
  if (n < static_cast<std::uint8_t>(EndpointStatus::active) ||
      n > static_cast<std::uint8_t>(EndpointStatus::revoked)) {
    return std::nullopt;
  }
  return static_cast<EndpointStatus>(n);
}

std::optional<std::int64_t> i64_from(std::string_view v) {
  if (v.size() != 8) return std::nullopt;
  return static_cast<std::int64_t>(bytes::get_u64le(v.data()));
}

// The owning and the viewing record differ only in how a text field and a
// repeated entry are kept; these overloads let one decoder fill both.
void set_text(std::string& field, std::string_view v) { field.assign(v); }
void set_text(std::string_view& field, std::string_view v) { field = v; }

bool add_secret(Endpoint& e, std::string_view value, UnixMillis expires_at) {
  e.secrets.push_back({std::string(value), expires_at});
  return true;
}
bool add_secret(EndpointView& e, std::string_view value, UnixMillis expires_at) {
  if (e.secret_count == EndpointView::kMaxSecrets) return false;
  e.secrets[e.secret_count++] = {value, expires_at};
  return true;
}

bool add_allow(Endpoint& e, std::string_view cidr) {
  e.allow.emplace_back(cidr);
  return true;
}
bool add_allow(EndpointView& e, std::string_view cidr) {
  if (e.allow_count == EndpointView::kMaxAllow) return false;
  e.allow[e.allow_count++] = cidr;
  return true;
}

template <class Record>
bool apply_field(Tag tag, std::string_view v, Record& out) {
  constexpr bool owning = std::is_same_v<Record, Endpoint>;
  switch (tag) {
    case Tag::id: set_text(out.id, v); return true;
    case Tag::org: set_text(out.org, v); return true;
    case Tag::client: set_text(out.client, v); return true;
    case Tag::api_key: set_text(out.api_key, v); return true;
    case Tag::allow: return add_allow(out, v);
    case Tag::provider: {
      auto p = provider_from_byte(v);
      if (!p) return false;
      out.provider = *p;
      return true;
    }
    case Tag::status: {
      auto s = status_from_byte(v);
      if (!s) return false;
      out.status = *s;
      return true;
    }
    case Tag::rate_limit:
      if (v.size() != 4) return false;
      out.rate_limit = bytes::get_u32le(v.data());
      return true;
    case Tag::secret: {
      auto expires_at = i64_from(v.substr(0, 8));
      return expires_at && add_secret(out, v.substr(8), *expires_at);
    }
    case Tag::replaced_by:
      if constexpr (owning) set_text(out.replaced_by, v);
      return true;
    case Tag::created_at:
    case Tag::updated_at: {
      auto t = i64_from(v);
      if (!t) return false;
      if constexpr (owning) (tag == Tag::created_at ? out.created_at : out.updated_at) = *t;
      return true;
    }
  }
  return true;  // a tag from a newer writer: skipped
}

template <class Record>
bool decode_into(std::string_view encoded, Record& out) {
  bytes::Reader in(encoded);
  if (in.u8() != kEndpointVersion) return false;
  unsigned seen = 0;
  while (in.ok() && !in.at_end()) {
    auto tag = static_cast<Tag>(in.u8());
    std::uint32_t size = in.u32le();
    std::string_view value = in.take(size);
    if (!in.ok()) return false;
    if (!apply_field(tag, value, out)) return false;
    if (static_cast<unsigned>(tag) < 32) seen |= 1u << static_cast<unsigned>(tag);
  }
  return in.ok() && (seen & kRequiredFields) == kRequiredFields;
}

}  // namespace

std::string_view endpoint_status_name(EndpointStatus s) {
  switch (s) {
    case EndpointStatus::active: return "active";
    case EndpointStatus::inactive: return "inactive";
    case EndpointStatus::revoked: return "revoked";
  }
  return "unknown";
}

std::string encode_endpoint(const Endpoint& e) {
  std::string out;
  out.reserve(128 + e.id.size() + e.org.size() + e.client.size() + e.api_key.size());
  out.push_back(static_cast<char>(kEndpointVersion));
  append_field(out, Tag::id, e.id);
  append_field(out, Tag::org, e.org);
  append_field(out, Tag::client, e.client);
  append_u8_field(out, Tag::provider, static_cast<std::uint8_t>(e.provider));
  append_u8_field(out, Tag::status, static_cast<std::uint8_t>(e.status));
  for (const EndpointSecret& s : e.secrets) {
    char expires[8];
    bytes::put_u64le(expires, static_cast<std::uint64_t>(s.expires_at));
    append_field(out, Tag::secret, std::string(expires, 8) + s.value);
  }
  for (const std::string& cidr : e.allow) append_field(out, Tag::allow, cidr);
  if (e.rate_limit != 0) append_u32_field(out, Tag::rate_limit, e.rate_limit);
  if (!e.api_key.empty()) append_field(out, Tag::api_key, e.api_key);
  if (!e.replaced_by.empty()) append_field(out, Tag::replaced_by, e.replaced_by);
  append_i64_field(out, Tag::created_at, e.created_at);
  append_i64_field(out, Tag::updated_at, e.updated_at);
  return out;
}

bool decode_endpoint(std::string_view bytes, Endpoint& out) {
  // The slug is the database key, not part of the value: keep the caller's.
  Endpoint decoded;
  decoded.slug = std::move(out.slug);
  bool ok = decode_into(bytes, decoded);
  out = std::move(decoded);
  return ok;
}

bool decode_endpoint_view(std::string_view bytes, EndpointView& out) {
  out = EndpointView{};
  return decode_into(bytes, out);
}

}  // namespace voxfra
