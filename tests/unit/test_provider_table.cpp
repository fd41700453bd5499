// The provider table (base/provider.h): its stored codes are pinned, so that
// a reordered or renumbered row cannot make existing stores read back as
// another provider.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "auth/signature.h"
#include "base/provider.h"
#include "providers/adapter.h"
#include "providers/samples.h"

namespace voxfra {
namespace {

TEST(ProviderTable, StoredCodesNeverChange) {
  // The bytes in endpoint, call and request-history records already written.
  const std::pair<std::string_view, std::uint8_t> stored[] = {
      {"vapi", 1},       {"retell", 2},     {"bland", 3},   {"livekit", 4},
      {"elevenlabs", 5}, {"voiceinfra", 6}, {"voxpria", 7}, {"custom", 8},
  };
  for (const auto& [name, code] : stored) {
    const std::optional<Provider> p = provider_from_code(code);
    ASSERT_TRUE(p.has_value()) << name;
    EXPECT_EQ(provider_name(*p), name) << int(code);
    EXPECT_EQ(provider_from_name(name), p);
  }
  EXPECT_EQ(provider_from_code(0), std::nullopt);
  EXPECT_EQ(provider_from_code(9), std::nullopt);
  EXPECT_EQ(provider_from_code(255), std::nullopt);
}

TEST(ProviderTable, EveryRowHasItsOwnNameCodeAdapterSchemeAndSample) {
  std::set<std::string_view> names;
  std::set<int> codes;
  std::set<AdapterFn> adapters;
  std::set<const SignatureScheme*> schemes;
  for (Provider p : kAllProviders) {
    names.insert(provider_name(p));
    codes.insert(static_cast<int>(p));
    adapters.insert(adapter_for(p));
    schemes.insert(&signature_scheme_for(p));
    EXPECT_FALSE(signature_scheme_for(p).headers().empty()) << provider_name(p);
    EXPECT_FALSE(sample_call(p, "c1", 1'732'350'042'000).body.empty()) << provider_name(p);
    EXPECT_LE(static_cast<std::size_t>(p), kMaxProviderCode);
  }
  EXPECT_EQ(names.size(), kAllProviders.size());
  EXPECT_EQ(codes.size(), kAllProviders.size());
  EXPECT_EQ(adapters.size(), kAllProviders.size());
  EXPECT_EQ(schemes.size(), kAllProviders.size());
}

}  // namespace
}  // namespace voxfra
