#include "ingest/admission.h"

#include <span>

#include "auth/cidr.h"

namespace voxfra {

bool client_allowed(const EndpointView& endpoint, const unsigned char* address, std::size_t length) {
  if (endpoint.allow_count == 0) return true;
  std::optional<IpAddress> ip = ip_from_bytes(std::span<const std::uint8_t>(address, length));
  // An address we cannot read (a Unix socket) is not in any CIDR.
  return ip && allowlist_permits(endpoint.allow, endpoint.allow_count, *ip);
}

}  // namespace voxfra
