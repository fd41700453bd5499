// Checks of what the user typed. Each returns the value in the form the
// store keeps, or throws UsageError with a message that names the option
// and repeats the bad value.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "base/provider.h"
#include "store/endpoint.h"
#include "util/time.h"

namespace voxfra::cli {

// --org, --client: 1-64 characters of [A-Za-z0-9._-].
std::string check_name(std::string_view option, std::string_view value);
Provider check_provider(std::string_view value);
EndpointStatus check_status(std::string_view value);
// An IPv4 or IPv6 CIDR ("10.0.0.0/8", "2001:db8::/32") or a bare address;
// returned as written.
std::string check_cidr(std::string_view value);
// A whole number from 1 to `max`.
std::uint64_t check_positive(std::string_view option, std::string_view value, std::uint64_t max);
// An RFC 3339 time, or a duration meaning that long before `now`.
UnixMillis check_time(std::string_view option, std::string_view value, UnixMillis now);
// A secret from a file, without its trailing newline; 16 characters at least.
std::string read_secret_file(std::string_view path);

}  // namespace voxfra::cli
