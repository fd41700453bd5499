// How endpoints look on the screen and in --json. A secret appears only in
// the output of the command that made it (print_issued), never elsewhere.
#pragma once
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/context.h"
#include "store/endpoint.h"
#include "store/store.h"

namespace voxfra::cli {

// "/webhooks/<provider>/<slug>": what the provider is given.
std::string endpoint_path(const Endpoint& e);

using EndpointWithStats = std::pair<Endpoint, EndpointStats>;

// endpoint list
void print_endpoint_list(const Cli& cli, const std::vector<EndpointWithStats>& endpoints);
// endpoint show, and the answer of disable/enable/revoke
void print_endpoint(const Cli& cli, const EndpointWithStats& endpoint);
// endpoint create and replace: the new endpoint, with its secret if one was made.
void print_issued(const Cli& cli, const Endpoint& e, const std::optional<std::string>& secret,
                  const Endpoint* replaced = nullptr);

}  // namespace voxfra::cli
