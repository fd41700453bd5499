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
// A secret an endpoint is given. One voxfra made is printed once (the user
// has no other copy); one the user supplied (--secret-file) is never printed:
// they have it, and a terminal or a CI log is one more place it would leak.
struct NewSecret {
  std::string value;
  bool generated = false;
};

// endpoint create, replace and rotate-secret: the endpoint, with its new
// secret when voxfra made it.
void print_issued(const Cli& cli, const Endpoint& e, const std::optional<NewSecret>& secret,
                  const Endpoint* replaced = nullptr);

}  // namespace voxfra::cli
