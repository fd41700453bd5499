#include "fleet/nats_args.h"

#include "util/command_errors.h"

namespace voxfra::fleet {

NatsSettings nats_settings(const cli::Args& args, std::string client_name) {
  auto urls = args.value("nats");
  if (!urls) throw cli::UsageError("--nats URL[,URL...] is missing");
  NatsSettings s;
  try {
    s.urls = parse_nats_urls(*urls);
  } catch (const std::invalid_argument& e) {
    throw cli::UsageError(e.what());
  }
  auto user = args.value("nats-user");
  auto password_file = args.value("nats-password-file");
  if (user.has_value() != password_file.has_value()) {
    throw cli::UsageError("give --nats-user and --nats-password-file together");
  }
  if (user) {
    s.user = *user;
    try {
      s.password = read_password_file(*password_file);
    } catch (const std::runtime_error& e) {
      throw cli::CommandError(e.what());
    }
  }
  if (auto ca = args.value("nats-ca")) s.ca_file = *ca;
  s.name = std::move(client_name);
  return s;
}

}  // namespace voxfra::fleet
