// A write's JSON body, read strictly: one object, each member at most once,
// no member the route does not know, each of the type it must be. Every
// problem is an ApiFailure invalid_body naming the member. Private to src/api.
#pragma once
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voxfra::api {

class JsonBody {
 public:
  // An empty body is an empty object. `allowed`: member names separated by spaces.
  JsonBody(std::string_view text, std::string_view allowed);

  bool has(std::string_view name) const;
  bool is_null(std::string_view name) const;
  std::optional<std::string> string(std::string_view name) const;
  std::optional<bool> boolean(std::string_view name) const;
  // A whole number from `min` to `max`.
  std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max) const;
  std::optional<std::vector<std::string>> strings(std::string_view name) const;
  // Throws invalid_body naming `name` as required.
  [[noreturn]] static void missing(std::string_view name);

 private:
  std::optional<simdjson::dom::element> member(std::string_view name) const;
  simdjson::dom::parser parser_;
  simdjson::dom::object object_;
  bool empty_ = false;
};

}  // namespace voxfra::api
