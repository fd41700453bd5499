// The call index (`callidx`): idempotency key -> u64 LE sequence, i64 LE
// stored-at ms, and for a call the fleet's replica applied from another node
// (docs/fleet.md) a third u64 LE: the sequence the storing node gave it, so
// that a later delivery to this node is answered `duplicate` with the record
// id the fleet first answered. Private to src/store.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "store/bytes.h"
#include "util/time.h"

namespace voxfra::call_index {

inline constexpr std::size_t kLocalSize = 16;
inline constexpr std::size_t kReplicatedSize = 24;

struct Entry {
  std::uint64_t sequence = 0;  // the record in this node's `calls`
  UnixMillis stored_at = 0;
  std::uint64_t answer = 0;    // the record id a duplicate is answered with
  bool replicated = false;
};

// nullopt for an entry of another shape: not ours to trust.
inline std::optional<Entry> decode(std::string_view v) {
  if (v.size() != kLocalSize && v.size() != kReplicatedSize) return std::nullopt;
  Entry e;
  e.sequence = bytes::get_u64le(v.data());
  e.stored_at = static_cast<UnixMillis>(bytes::get_u64le(v.data() + 8));
  e.replicated = v.size() == kReplicatedSize;
  e.answer = e.replicated ? bytes::get_u64le(v.data() + 16) : e.sequence;
  return e;
}

// Writes the entry into `out` (kReplicatedSize bytes); returns its size.
inline std::size_t encode(const Entry& e, char* out) {
  bytes::put_u64le(out, e.sequence);
  bytes::put_u64le(out + 8, static_cast<std::uint64_t>(e.stored_at));
  if (!e.replicated) return kLocalSize;
  bytes::put_u64le(out + 16, e.answer);
  return kReplicatedSize;
}

}  // namespace voxfra::call_index
