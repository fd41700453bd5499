#include "api/json_body.h"

#include <set>

#include "api/routes.h"

namespace voxfra::api {

namespace {

[[noreturn]] void invalid(std::vector<Problem> details) {
  throw ApiFailure{ApiError::invalid_body, std::move(details)};
}

[[noreturn]] void invalid(std::string_view name, std::string problem) {
  invalid({{std::string(name), std::move(problem)}});
}

bool listed(std::string_view allowed, std::string_view name) {
  while (!allowed.empty()) {
    std::size_t space = allowed.find(' ');
    if (allowed.substr(0, space) == name) return true;
    allowed = space == std::string_view::npos ? std::string_view() : allowed.substr(space + 1);
  }
  return false;
}

}  // namespace

JsonBody::JsonBody(std::string_view text, std::string_view allowed) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    empty_ = true;
    return;
  }
  simdjson::dom::element root;
  if (parser_.parse(simdjson::padded_string(text)).get(root) != simdjson::SUCCESS) {
    invalid("body", "is not JSON");
  }
  if (root.get_object().get(object_) != simdjson::SUCCESS) invalid("body", "is not a JSON object");
  std::set<std::string_view> seen;
  std::vector<Problem> problems;
  for (auto [key, value] : object_) {
    if (!seen.insert(key).second) {
      problems.push_back({std::string(key), "is given more than once"});
    } else if (!listed(allowed, key)) {
      problems.push_back({std::string(key), allowed.empty() ? "is not a member of this request (it takes none)"
                                                              : "is not a member of this request (it takes: " +
                                                                    std::string(allowed) + ")"});
    }
  }
  if (!problems.empty()) invalid(std::move(problems));
}

std::optional<simdjson::dom::element> JsonBody::member(std::string_view name) const {
  if (empty_) return std::nullopt;
  simdjson::dom::element value;
  if (object_.at_key(name).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

bool JsonBody::has(std::string_view name) const { return member(name).has_value(); }

bool JsonBody::is_null(std::string_view name) const {
  auto value = member(name);
  return value && value->is_null();
}

std::optional<std::string> JsonBody::string(std::string_view name) const {
  auto value = member(name);
  if (!value) return std::nullopt;
  std::string_view text;
  if (value->get_string().get(text) != simdjson::SUCCESS) invalid(name, "is not a string");
  return std::string(text);
}

std::optional<bool> JsonBody::boolean(std::string_view name) const {
  auto value = member(name);
  if (!value) return std::nullopt;
  bool b = false;
  if (value->get_bool().get(b) != simdjson::SUCCESS) invalid(name, "is not true or false");
  return b;
}

std::optional<std::int64_t> JsonBody::integer(std::string_view name, std::int64_t min, std::int64_t max) const {
  auto value = member(name);
  if (!value) return std::nullopt;
  std::int64_t n = 0;
  if (value->get_int64().get(n) != simdjson::SUCCESS || n < min || n > max) {
    invalid(name, "is not a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return n;
}

std::optional<std::vector<std::string>> JsonBody::strings(std::string_view name) const {
  auto value = member(name);
  if (!value) return std::nullopt;
  simdjson::dom::array array;
  if (value->get_array().get(array) != simdjson::SUCCESS) invalid(name, "is not an array of strings");
  std::vector<std::string> out;
  for (simdjson::dom::element item : array) {
    std::string_view text;
    if (item.get_string().get(text) != simdjson::SUCCESS) invalid(name, "is not an array of strings");
    out.emplace_back(text);
  }
  return out;
}

void JsonBody::missing(std::string_view name) { invalid(name, "is required"); }

}  // namespace voxfra::api
