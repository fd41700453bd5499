#include "cli/validate.h"

#include <charconv>
#include <fstream>
#include <iterator>
#include <optional>

#include "endpoints/endpoint_changes.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {


std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

}  // namespace

std::string check_name(std::string_view option, std::string_view value) {
  if (auto problem = name_problem(value)) {
    throw UsageError("--" + std::string(option) + " " + quoted(value) + ": " + *problem);
  }
  return std::string(value);
}

Provider check_provider(std::string_view value) {
  if (auto provider = provider_from_name(value)) return *provider;
  throw UsageError("unknown provider " + quoted(value) + "; one of: " + std::string(provider_names()));
}

EndpointStatus check_status(std::string_view value) {
  for (auto status : {EndpointStatus::active, EndpointStatus::inactive, EndpointStatus::revoked}) {
    if (endpoint_status_name(status) == value) return status;
  }
  throw UsageError("unknown status " + quoted(value) + "; one of: active, inactive, revoked");
}

// The module's own parser decides (endpoints/endpoint_changes.h).
std::string check_cidr(std::string_view value) {
  if (auto problem = cidr_problem(value)) throw UsageError("--allow " + quoted(value) + ": " + *problem);
  return std::string(value);
}

std::uint64_t check_positive(std::string_view option, std::string_view value, std::uint64_t max) {
  auto n = parse_unsigned(value);
  if (!n || *n == 0 || *n > max) {
    throw UsageError("--" + std::string(option) + " " + quoted(value) + ": expected a whole number from 1 to " +
                     std::to_string(max));
  }
  return *n;
}

UnixMillis check_time(std::string_view option, std::string_view value, UnixMillis now) {
  if (auto t = parse_iso8601(value)) return *t;
  if (auto seconds = parse_duration_seconds(value)) return now - *seconds * 1000;
  throw UsageError("--" + std::string(option) + " " + quoted(value) +
                   ": expected an RFC 3339 time (2026-11-23T10:00:00Z) or a duration ago (15m, 24h, 7d)");
}

std::string read_secret_file(std::string_view path) {
  std::ifstream in{std::string(path)};
  if (!in) throw CommandError("cannot read the secret file " + quoted(path));
  std::string secret{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.size() < kMinSecretLength) {
    throw UsageError("--secret-file " + quoted(path) + ": the secret must be at least 16 characters");
  }
  return secret;
}

}  // namespace voxfra::cli
