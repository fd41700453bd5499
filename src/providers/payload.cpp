// Payload: typed, path-addressed reads of a parsed body that record what is
// wrong instead of throwing. Everything it allocates comes from the request's
// arena (`mem_`), which is released as a whole.
#include <charconv>
#include <cmath>
#include <cstring>
#include <new>

#include "providers/adapter.h"
#include "record/json_element.h"
#include "util/json_writer.h"

namespace voxfra {

namespace dom = simdjson::dom;

namespace {

// Epoch times accepted from providers: from 1970 to the end of year 9999, the
// range the record's RFC 3339 form can hold.
constexpr double kLastEpochMillis = 253402300799999.0;

std::optional<std::string_view> as_string(dom::element value) {
  std::string_view text;
  if (value.get_string().get(text)) return std::nullopt;
  return text;
}

// "71", "-0.5", "1757088377.5": the whole text, finite.
std::optional<double> number_from_text(std::string_view text) {
  double number = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, number);
  if (error != std::errc() || stop != end || !std::isfinite(number)) return std::nullopt;
  return number;
}

std::optional<double> as_number(dom::element value, bool numeric_strings) {
  double number = 0;
  if (!value.get_double().get(number)) return number;
  if (!numeric_strings) return std::nullopt;
  auto text = as_string(value);
  return text ? number_from_text(*text) : std::nullopt;
}

std::optional<UnixMillis> as_epoch_millis(dom::element value, double millis_per_unit) {
  auto number = as_number(value, /*numeric_strings=*/true);
  if (!number) return std::nullopt;
  const double millis = *number * millis_per_unit;
  if (!(millis >= 0 && millis <= kLastEpochMillis)) return std::nullopt;
  return std::llround(millis);
}

// The value at `path`, recording "is required" when it is absent but needed.
std::optional<dom::element> lookup(Payload& in, std::string_view path, Need need) {
  auto value = in.find(path);
  if (!value && need == Need::required) in.problem(path, "is required");
  return value;
}

// Looks `path` up and converts its value; a present value that does not
// convert records `type_problem`.
template <typename Convert>
auto read(Payload& in, std::string_view path, Need need, std::string_view type_problem, Convert convert)
    -> decltype(convert(std::declval<dom::element>())) {
  auto value = lookup(in, path, need);
  if (!value) return std::nullopt;
  auto converted = convert(*value);
  if (!converted) in.problem(path, type_problem);
  return converted;
}

}  // namespace

Payload::Payload(dom::element root, std::pmr::memory_resource* mem, const HeaderLookup* headers)
    : root_(root), mem_(mem), headers_(headers), problems_(mem) {}

std::optional<dom::element> Payload::find(std::string_view path) const {
  dom::element current = root_;
  for (;;) {
    const std::size_t dot = path.find('.');
    // A missing key, or anything but an object on the way, is absence.
    dom::object parent;
    if (current.get_object().get(parent)) return std::nullopt;
    if (parent.at_key(path.substr(0, dot)).get(current)) return std::nullopt;
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  if (current.is_null()) return std::nullopt;  // providers send null for "none"
  return current;
}

std::optional<std::string_view> Payload::string(std::string_view path, Need need) {
  return read(*this, path, need, "must be a string", as_string);
}

std::optional<double> Payload::number(std::string_view path, Need need, bool numeric_strings) {
  return read(*this, path, need, "must be a number",
              [numeric_strings](dom::element value) { return as_number(value, numeric_strings); });
}

std::optional<bool> Payload::boolean(std::string_view path, Need need) {
  return read(*this, path, need, "must be a boolean", [](dom::element value) -> std::optional<bool> {
    bool flag = false;
    if (value.get_bool().get(flag)) return std::nullopt;
    return flag;
  });
}

std::optional<UnixMillis> Payload::iso_time(std::string_view path, Need need) {
  return read(*this, path, need, "must be an RFC 3339 time", [](dom::element value) {
    auto text = as_string(value);
    return text ? parse_iso8601(*text) : std::nullopt;
  });
}

std::optional<UnixMillis> Payload::epoch_millis(std::string_view path, Need need) {
  return read(*this, path, need, "must be an epoch time",
              [](dom::element value) { return as_epoch_millis(value, 1.0); });
}

std::optional<UnixMillis> Payload::epoch_seconds(std::string_view path, Need need) {
  return read(*this, path, need, "must be an epoch time",
              [](dom::element value) { return as_epoch_millis(value, 1000.0); });
}

std::optional<dom::object> Payload::object(std::string_view path, Need need) {
  return read(*this, path, need, "must be an object", [](dom::element value) -> std::optional<dom::object> {
    dom::object object;
    if (value.get_object().get(object)) return std::nullopt;
    return object;
  });
}

std::optional<dom::array> Payload::array(std::string_view path, Need need) {
  return read(*this, path, need, "must be an array", [](dom::element value) -> std::optional<dom::array> {
    dom::array array;
    if (value.get_array().get(array)) return std::nullopt;
    return array;
  });
}

std::string_view Payload::first_string(std::initializer_list<std::string_view> paths) {
  for (std::string_view path : paths) {
    auto text = string(path);
    if (text && !text->empty()) return *text;
  }
  return {};
}

std::string_view Payload::json(dom::element element) {
  // Placed in the arena and never destroyed: the arena frees it all at once,
  // so the returned view stays valid as long as the request's memory.
  void* place = mem_->allocate(sizeof(std::pmr::string), alignof(std::pmr::string));
  auto* text = new (place) std::pmr::string(mem_);
  JsonWriter writer(*text);
  write_json_element(writer, element, kMaxKeptDepth);
  return *text;
}

std::string_view Payload::copy(std::string_view text) {
  if (text.empty()) return {};
  auto* place = static_cast<char*>(mem_->allocate(text.size(), 1));
  std::memcpy(place, text.data(), text.size());
  return {place, text.size()};
}

std::string_view Payload::header(std::string_view name) const {
  return headers_ != nullptr ? headers_->get(name) : std::string_view{};
}

void Payload::problem(std::string_view field, std::string_view what) { problems_.push_back({field, what}); }

}  // namespace voxfra
