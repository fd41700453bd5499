// How endpoints look on the screen and in --json. A secret appears only in
// the output of the command that made it (print_issued), never elsewhere.
#pragma once
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/context.h"
#include "endpoints/endpoint_changes.h"
#include "store/endpoint.h"
#include "store/store.h"

namespace voxfra::cli {


using EndpointWithStats = std::pair<Endpoint, EndpointStats>;

// endpoint list
void print_endpoint_list(const Cli& cli, const std::vector<EndpointWithStats>& endpoints);
// endpoint show, and the answer of disable/enable/revoke
void print_endpoint(const Cli& cli, const EndpointWithStats& endpoint);
// endpoint create, replace and rotate-secret: the endpoint, with its new
// secret when voxfra made it.
void print_issued(const Cli& cli, const Endpoint& e, const std::optional<NewSecret>& secret,
                  const Endpoint* replaced = nullptr);

}  // namespace voxfra::cli
