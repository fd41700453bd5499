// --nats URL[,URL...] [--nats-user U --nats-password-file F] [--nats-ca FILE]:
// the flags voxfra-fleet and the CLI's fleet commands share.
#pragma once
#include <string>
#include <string_view>

#include "fleet/nats_client.h"
#include "util/args.h"

namespace voxfra::fleet {

// The options, by name, for allow_only.
inline constexpr std::string_view kNatsOptions = "nats nats-user nats-password-file nats-ca";

// Throws cli::UsageError for missing or bad flags, cli::CommandError for an
// unreadable password file.
NatsSettings nats_settings(const cli::Args& args, std::string client_name);

}  // namespace voxfra::fleet
