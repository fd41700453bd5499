// What request-supplied text may go into a stored key. The call index's key
// (and the idempotency table's hash of it) is org \0 client \0 provider \0
// call id \0 event: a field holding the separator would let one call id be a
// prefix of another ("x" and "x\0…"), and a key past LMDB's 511 bytes cannot
// be stored at all. So a call id or event name holds no control character
// and has a length no real provider reaches, and the largest legal key fits.
#pragma once
#include <cstddef>
#include <string_view>

namespace voxfra {

enum class KeyField { name, call_id, event };

// Bytes: org and client names (the CLI's limit), call ids, event names.
inline constexpr std::size_t kMaxNameSize = 64;
inline constexpr std::size_t kMaxCallIdSize = 256;
inline constexpr std::size_t kMaxEventSize = 64;
// The longest provider name ("elevenlabs", "voiceinfra").
inline constexpr std::size_t kMaxProviderNameSize = 10;
// The largest key make_idempotency_key builds: 462 bytes, under LMDB's 511.
inline constexpr std::size_t kMaxIdempotencyKeySize =
    2 * kMaxNameSize + kMaxProviderNameSize + kMaxCallIdSize + kMaxEventSize + 4;
static_assert(kMaxIdempotencyKeySize <= 511, "LMDB's default maximum key size");

constexpr std::size_t max_key_field_size(KeyField field) {
  switch (field) {
    case KeyField::name: return kMaxNameSize;
    case KeyField::call_id: return kMaxCallIdSize;
    case KeyField::event: return kMaxEventSize;
  }
  return 0;
}

// U+0000-U+001F and U+007F: bytes of UTF-8 that are never part of another
// character, so a byte test suffices.
constexpr bool has_control_character(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

// Why `text` cannot be the key field `field` (for a 400's details), or empty
// when it can. The reasons are literals: they outlive any request.
constexpr std::string_view key_field_problem(KeyField field, std::string_view text) {
  if (has_control_character(text)) return "must not contain control characters (U+0000-U+001F, U+007F)";
  if (text.size() <= max_key_field_size(field)) return {};
  switch (field) {
    case KeyField::name: return "must be at most 64 bytes";
    case KeyField::call_id: return "must be at most 256 bytes";
    case KeyField::event: return "must be at most 64 bytes";
  }
  return "is too long";
}

}  // namespace voxfra
