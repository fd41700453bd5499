#include "base/provider.h"

#include <string>

namespace voxfra {

std::optional<Provider> provider_from_name(std::string_view name) {
  // Exact, lowercase: the name is part of URLs and stored keys.
  for (Provider p : kAllProviders) {
    if (provider_name(p) == name) return p;
  }
  return std::nullopt;
}

std::string_view provider_name(Provider p) {
  switch (p) {
#define VOXFRA_PROVIDER_NAME(name, ...) \
  case Provider::name: return #name;
    VOXFRA_PROVIDERS(VOXFRA_PROVIDER_NAME)
#undef VOXFRA_PROVIDER_NAME
  }
  return {};  // only a corrupt enum value gets here
}

std::string_view provider_names() {
  static const std::string names = [] {
    std::string out;
    for (Provider p : kAllProviders) {
      if (!out.empty()) out += ", ";
      out += provider_name(p);
    }
    return out;
  }();
  return names;
}

std::optional<Provider> provider_from_code(std::uint8_t code) {
  for (Provider p : kAllProviders) {
    if (static_cast<std::uint8_t>(p) == code) return p;
  }
  return std::nullopt;
}

}  // namespace voxfra
