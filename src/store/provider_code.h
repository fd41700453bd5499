// The provider as one stored byte (its enum value). Private to src/store.
#pragma once
#include <cstdint>
#include <optional>

#include "base/provider.h"

namespace voxfra {

inline std::optional<Provider> provider_from_code(std::uint8_t code) {
  if (code < static_cast<std::uint8_t>(Provider::vapi) || code > static_cast<std::uint8_t>(Provider::custom)) {
    return std::nullopt;
  }
  return static_cast<Provider>(code);
}

}  // namespace voxfra
