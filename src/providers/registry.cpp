#include "providers/adapter.h"

namespace voxfra {

namespace {

// One line per provider that has an adapter.
constexpr ProviderAdapter kAdapters[] = {
    {Provider::vapi, map_vapi},
    {Provider::retell, map_retell},
    {Provider::bland, map_bland},
    {Provider::livekit, map_livekit},
    {Provider::elevenlabs, map_elevenlabs},
    {Provider::voiceinfra, map_voiceinfra},
    {Provider::voxpria, map_voxpria},
    {Provider::custom, map_custom},
};

}  // namespace

const ProviderAdapter* find_adapter(Provider p) {
  for (const ProviderAdapter& adapter : kAdapters) {
    if (adapter.provider == p) return &adapter;
  }
  return nullptr;
}

}  // namespace voxfra
