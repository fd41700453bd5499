// The providers Voxfra knows, by the name used in URLs, endpoint records and
// the CLI. This header is small on purpose: the store and the glue use it
// without pulling in the JSON parser.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace voxfra {

enum class Provider : std::uint8_t {
  vapi = 1,
  retell = 2,
  bland = 3,
  livekit = 4,
  elevenlabs = 5,
  voiceinfra = 6,
  voxpria = 7,
  custom = 8,
};

// Every provider, in the order of their codes: for whatever visits each.
inline constexpr std::array<Provider, 8> kAllProviders = {
    Provider::vapi,       Provider::retell,     Provider::bland,   Provider::livekit,
    Provider::elevenlabs, Provider::voiceinfra, Provider::voxpria, Provider::custom,
};

std::optional<Provider> provider_from_name(std::string_view name);
std::string_view provider_name(Provider p);
// "vapi, retell, …, custom": for error messages and --help.
std::string_view provider_names();

}  // namespace voxfra
