// The checks between finding an endpoint and reading its body that the
// glue asks of the core. C++17, no parser headers: the glue includes it.
#pragma once
#include <cstddef>

#include "store/endpoint.h"

namespace voxfra {

// Whether the client address (a sockaddr's address bytes in network order:
// 4 for IPv4, 16 for IPv6) is in the endpoint's allowlist. An endpoint
// without one admits everyone.
bool client_allowed(const EndpointView& endpoint, const unsigned char* address, std::size_t length);

}  // namespace voxfra
