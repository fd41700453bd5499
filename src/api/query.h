// A request target's parts, as the Management API routes them: path
// segments and query parameters, percent-decoded here (the glue passes the
// raw bytes, so that an encoded '/' inside a call id stays inside it).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace voxfra {

// %XX decoded (and '+' as a space when `plus_is_space`); nullopt for a
// broken escape or a NUL.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// "v1/calls/abc" -> {"v1","calls","abc"}; empty segments (a leading or
// trailing '/') are dropped. nullopt when a segment does not decode.
std::optional<std::vector<std::string>> path_segments(std::string_view path);

class Query {
 public:
  // "a=1&b=x%20y"; nullopt when a name or value does not decode.
  static std::optional<Query> parse(std::string_view text);

  // The value of `name`, if given (the first, if given more than once).
  std::optional<std::string> value(std::string_view name) const;
  // The first parameter not among `allowed` (names separated by spaces).
  std::optional<std::string> unknown(std::string_view allowed) const;
  // A parameter given more than once.
  std::optional<std::string> repeated() const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

}  // namespace voxfra
