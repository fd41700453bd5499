// Request headers as the core sees them: the glue implements this over
// NGINX's header list, tests over a map. Kept apart from providers/adapter.h so that
// the glue does not need the JSON parser's headers.
#pragma once
#include <string_view>

namespace voxfra {

// A request header, looked up case-insensitively; empty when absent.
class HeaderLookup {
 public:
  virtual ~HeaderLookup() = default;
  virtual std::string_view get(std::string_view name) const = 0;
};

}  // namespace voxfra
