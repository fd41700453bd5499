// Text from a request (a call id, a provider name) as it may appear in a
// log line: printable ASCII only, so that a hostile value cannot forge a
// line (a newline) or smuggle control bytes into the error log.
#pragma once
#include <cstddef>
#include <string_view>

namespace voxfra {

// Copies at most `max` bytes of `text` into `out` (which holds `max`),
// each byte outside 0x20-0x7e (and the quote and backslash, which delimit
// values in log lines) replaced by '?'. Returns the length written.
inline std::size_t printable(std::string_view text, char* out, std::size_t max) {
  std::size_t n = text.size() < max ? text.size() : max;
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    out[i] = (c < 0x20 || c > 0x7e || c == '"' || c == '\\') ? '?' : static_cast<char>(c);
  }
  return n;
}

}  // namespace voxfra
