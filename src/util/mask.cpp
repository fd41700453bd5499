#include "util/mask.h"

namespace voxfra {

namespace {

bool slug_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The bytes the slug character at `p` takes (1 as itself, 3 percent-
// encoded), or 0 when there is none there.
std::size_t slug_char_at(const char* p, const char* end) {
  const auto c = static_cast<unsigned char>(*p);
  if (slug_char(c)) return 1;
  if (c != '%' || end - p < 3) return 0;
  int hi = hex_value(static_cast<unsigned char>(p[1]));
  int lo = hex_value(static_cast<unsigned char>(p[2]));
  return hi >= 0 && lo >= 0 && slug_char(static_cast<unsigned char>(hi * 16 + lo)) ? 3 : 0;
}

}  // namespace

std::size_t mask_slug_shapes(char* text, std::size_t size) {
  std::size_t masked = 0;
  char* const end = text + size;
  for (char* p = text; p < end;) {
    // One run: its characters counted, the end of its first kSlugShown noted.
    char* run = p;
    char* shown_end = p;
    std::size_t chars = 0;
    for (std::size_t n; p < end && (n = slug_char_at(p, end)) != 0; p += n) {
      if (++chars == kSlugShown) shown_end = p + n;
    }
    if (chars >= kMinSlugChars) {
      for (char* q = shown_end; q < p; ++q) *q = '*';
      ++masked;
    }
    if (p == run) ++p;  // not a slug character
  }
  return masked;
}

}  // namespace voxfra
