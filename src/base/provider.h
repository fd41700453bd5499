// The providers Voxfra knows. VOXFRA_PROVIDERS is the only list of them:
// every per-provider lookup is made from its rows, each room taking the
// columns it knows (names and codes here, adapters in providers/registry.cpp,
// signature schemes in auth/signature.cpp, send-test samples in
// providers/samples.cpp). Adding a provider is one row, one adapter file in
// src/providers, one scheme file in src/auth, its sample and one fixture set
// in tests/fixtures/<name>/ (docs/development.md, "Adding a provider").
//
// name     in URLs, endpoint records, the CLI and metrics: exact, lowercase
// code     the byte stored for the provider in endpoint, call and request
//          history records: never renumber or reuse one (test_provider_table
//          pins them, so that existing stores read back)
// adapter  the function that maps its end-of-call report (providers/adapter.h)
// scheme   the function that gives its SignatureScheme (auth/signature.h)
// sample   its send-test sample (providers/samples.cpp)
//
// The rows' order is the order of listings and --help.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

// clang-format off
#define VOXFRA_PROVIDERS(ROW)                                                              \
  /*  name        code  adapter         scheme                        sample          */ \
  ROW(vapi,        1,   map_vapi,       vapi_signature_scheme,        kVapiSample)         \
  ROW(retell,      2,   map_retell,     retell_signature_scheme,      kRetellSample)       \
  ROW(bland,       3,   map_bland,      bland_signature_scheme,       kBlandSample)        \
  ROW(livekit,     4,   map_livekit,    livekit_signature_scheme,     kLiveKitSample)      \
  ROW(elevenlabs,  5,   map_elevenlabs, elevenlabs_signature_scheme,  kElevenLabsSample)   \
  ROW(voiceinfra,  6,   map_voiceinfra, voiceinfra_signature_scheme,  kVoiceInfraSample)   \
  ROW(voxpria,     7,   map_voxpria,    voxpria_signature_scheme,     kVoxpriaSample)      \
  ROW(custom,      8,   map_custom,     voxfra_signature_scheme,      kCustomSample)
// clang-format on

namespace voxfra {

enum class Provider : std::uint8_t {
#define VOXFRA_PROVIDER_ENUMERATOR(name, code, ...) name = code,
  VOXFRA_PROVIDERS(VOXFRA_PROVIDER_ENUMERATOR)
#undef VOXFRA_PROVIDER_ENUMERATOR
};

// Every provider, in the table's order: for whatever visits each. (The glue
// includes this header and NGINX builds it as C++17: nothing newer here.)
#define VOXFRA_PROVIDER_ONE(...) +1
inline constexpr std::size_t kProviderCount = 0 VOXFRA_PROVIDERS(VOXFRA_PROVIDER_ONE);
#undef VOXFRA_PROVIDER_ONE
inline constexpr std::array<Provider, kProviderCount> kAllProviders = {{
#define VOXFRA_PROVIDER_ITEM(name, ...) Provider::name,
    VOXFRA_PROVIDERS(VOXFRA_PROVIDER_ITEM)
#undef VOXFRA_PROVIDER_ITEM
}};

// The highest stored code: arrays indexed by code have one more slot.
#define VOXFRA_PROVIDER_CODE(name, code, ...) std::size_t{code},
inline constexpr std::size_t kMaxProviderCode = std::max({VOXFRA_PROVIDERS(VOXFRA_PROVIDER_CODE)});
#undef VOXFRA_PROVIDER_CODE

std::optional<Provider> provider_from_name(std::string_view name);
std::string_view provider_name(Provider p);
// "vapi, retell, …, custom": for error messages and --help.
std::string_view provider_names();
// The provider stored as `code`; nullopt for a byte no provider has (a
// corrupt record, or one written by a newer version).
std::optional<Provider> provider_from_code(std::uint8_t code);

}  // namespace voxfra
