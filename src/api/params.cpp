// The query parameters the Management API's routes share.
#include <charconv>

#include "api/routes.h"

namespace voxfra::api {

namespace {

constexpr std::size_t kDefaultLimit = 50;
constexpr std::size_t kMaxLimit = 200;

[[noreturn]] void invalid(std::string_view name, std::string problem) {
  throw ApiFailure{ApiError::invalid_parameter, {{std::string(name), std::move(problem)}}};
}

}  // namespace

void allow_params(const RouteRequest& r, std::string_view allowed) {
  if (auto name = r.query.unknown(allowed)) {
    invalid(*name, allowed.empty() ? "is not a parameter of this route (it takes none)"
                                   : "is not a parameter of this route (it takes: " + std::string(allowed) + ")");
  }
}

std::optional<std::string> scoped_org(const RouteRequest& r) {
  auto org = r.query.value("org");
  if (org && !r.token.covers(*org)) throw ApiFailure{ApiError::forbidden, {{"org", "is not covered by the token"}}};
  if (!org && !r.token.all_orgs()) return r.token.scope;
  return org;
}

std::optional<Provider> provider_param(const RouteRequest& r) {
  auto text = r.query.value("provider");
  if (!text) return std::nullopt;
  auto provider = provider_from_name(*text);
  if (!provider) invalid("provider", "is not one of: " + std::string(provider_names()));
  return provider;
}

std::size_t limit_param(const RouteRequest& r) {
  auto text = r.query.value("limit");
  if (!text) return kDefaultLimit;
  std::size_t limit = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > kMaxLimit) {
    invalid("limit", "is not a whole number from 1 to " + std::to_string(kMaxLimit));
  }
  return limit;
}

}  // namespace voxfra::api
