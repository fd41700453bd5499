#include "base/provider.h"

#include <array>
#include <utility>

namespace voxfra {

namespace {

constexpr std::array<std::pair<Provider, std::string_view>, 8> kProviderNames = {{
    {Provider::vapi, "vapi"},
    {Provider::retell, "retell"},
    {Provider::bland, "bland"},
    {Provider::livekit, "livekit"},
    {Provider::elevenlabs, "elevenlabs"},
    {Provider::voiceinfra, "voiceinfra"},
    {Provider::voxpria, "voxpria"},
    {Provider::custom, "custom"},
}};

}  // namespace

std::optional<Provider> provider_from_name(std::string_view name) {
  // Exact, lowercase: the name is part of URLs and stored keys.
  for (const auto& [provider, provider_text] : kProviderNames) {
    if (provider_text == name) return provider;
  }
  return std::nullopt;
}

std::string_view provider_name(Provider p) {
  for (const auto& [provider, provider_text] : kProviderNames) {
    if (provider == p) return provider_text;
  }
  return {};  // only a corrupt enum value gets here
}

std::string_view provider_names() {
  return "vapi, retell, bland, livekit, elevenlabs, voiceinfra, voxpria, custom";
}

}  // namespace voxfra
