// Slugs are bearer secrets that travel in the URL, so NGINX would write them
// wherever it writes the request line or the URI: `$request`, `$request_uri`
// and `$uri` in access logs, and the `request: "..."` context of every
// error-log line about the request. The ingest handler masks them there.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>

namespace voxfra {

// How much of a slug stays readable in logs: enough to tell two endpoints
// apart at a glance (24 of a slug's 192 bits), too little to use.
constexpr std::size_t kSlugShown = 4;

// Overwrites each occurrence of `secret` in text[0, size) with its first
// kSlugShown characters followed by '*' (all '*' for a secret of at most
// twice that), keeping the length. Returns how many it masked.
inline std::size_t mask_secret(char* text, std::size_t size, std::string_view secret) {
  if (secret.empty()) return 0;
  const std::size_t shown = secret.size() > 2 * kSlugShown ? kSlugShown : 0;
  std::size_t count = 0;
  char* end = text + size;
  for (char* p = text; static_cast<std::size_t>(end - p) >= secret.size();) {
    p = std::search(p, end, secret.begin(), secret.end());
    if (p == end) break;
    std::fill(p + shown, p + secret.size(), '*');
    p += secret.size();
    ++count;
  }
  return count;
}

}  // namespace voxfra
