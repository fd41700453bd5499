// The endpoint record (docs/design.md, "Endpoints", a contract) and its codec,
// shared by the CLI and the module. Encoded as a version byte followed by
// tagged fields (u8 tag, u32 little-endian length, bytes); unknown tags are
// skipped so that an older reader can read a newer record.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/provider.h"
#include "util/time.h"

namespace voxfra {

enum class EndpointStatus : std::uint8_t { active = 1, inactive = 2, revoked = 3 };
std::string_view endpoint_status_name(EndpointStatus s);

struct EndpointSecret {
  std::string value;
  UnixMillis expires_at = 0;  // 0: does not expire (the current secret)
};

// The owning form, for the CLI.
struct Endpoint {
  std::string slug;  // the key in the `endpoints` database; not encoded in the value
  std::string id;    // public id, "ep_" + 16 hex; what records and listings show
  std::string org;
  std::string client;
  Provider provider = Provider::custom;
  EndpointStatus status = EndpointStatus::active;
  std::vector<EndpointSecret> secrets;
  std::vector<std::string> allow;  // CIDRs as the user wrote them
  std::uint32_t rate_limit = 0;    // requests a minute; 0: the zone's default
  std::string api_key;             // providers that sign with a key id (LiveKit)
  std::string replaced_by;         // slug of the endpoint that replaced this one
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
};

// The zero-copy form, for the module's hot path: views into the LMDB map,
// valid while the read transaction that produced the bytes is open.
struct EndpointView {
  static constexpr std::size_t kMaxSecrets = 4;
  static constexpr std::size_t kMaxAllow = 64;

  std::string_view id;
  std::string_view org;
  std::string_view client;
  Provider provider = Provider::custom;
  EndpointStatus status = EndpointStatus::active;
  std::uint32_t rate_limit = 0;
  std::string_view api_key;
  struct Secret {
    std::string_view value;
    UnixMillis expires_at = 0;
  };
  Secret secrets[kMaxSecrets];
  std::size_t secret_count = 0;
  std::string_view allow[kMaxAllow];
  std::size_t allow_count = 0;
};

std::string encode_endpoint(const Endpoint& e);
// false when the bytes are not a record this version can read.
bool decode_endpoint(std::string_view bytes, Endpoint& out);
bool decode_endpoint_view(std::string_view bytes, EndpointView& out);

}  // namespace voxfra
