#include "api/query.h"

#include "util/hmac.h"

namespace voxfra {

namespace {

bool has_word(std::string_view words, std::string_view word) {
  while (!words.empty()) {
    std::size_t space = words.find(' ');
    if (words.substr(0, space) == word) return true;
    if (space == std::string_view::npos) break;
    words.remove_prefix(space + 1);
  }
  return false;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_digit_value(text[i + 1]), lo = hex_digit_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

std::optional<std::vector<std::string>> path_segments(std::string_view path) {
  std::vector<std::string> segments;
  while (!path.empty()) {
    std::size_t slash = path.find('/');
    std::string_view raw = path.substr(0, slash);
    if (!raw.empty()) {
      auto segment = percent_decode(raw, false);
      if (!segment) return std::nullopt;
      segments.push_back(std::move(*segment));
    }
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

std::optional<Query> Query::parse(std::string_view text) {
  Query q;
  while (!text.empty()) {
    std::size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      auto name = percent_decode(pair.substr(0, eq), true);
      auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
      if (!name || !value) return std::nullopt;
      q.params_.emplace_back(std::move(*name), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return q;
}

std::optional<std::string> Query::value(std::string_view name) const {
  for (const auto& [n, v] : params_) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::optional<std::string> Query::unknown(std::string_view allowed) const {
  for (const auto& [n, v] : params_) {
    if (!has_word(allowed, n)) return n;
  }
  return std::nullopt;
}

std::optional<std::string> Query::repeated() const {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    for (std::size_t j = i + 1; j < params_.size(); ++j) {
      if (params_[i].first == params_[j].first) return params_[i].first;
    }
  }
  return std::nullopt;
}

}  // namespace voxfra
