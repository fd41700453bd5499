// What a store operation came to, in the store's own words. Its callers
// (the NGINX glue above all) act on the kind and log the message; LMDB's
// codes and header stay inside src/store. C++17: the glue includes it.
#pragma once
#include <cstdint>

namespace voxfra {

class StoreStatus {
 public:
  enum class Kind : std::uint8_t {
    ok,
    map_full,     // the map has no room for the write
    map_resized,  // another process grew the map past this one's
    no_space,     // the disk or a quota is full
    io,           // an I/O error, a broken environment, or no store to use
    busy,         // not started: the thread pool's queue is full
    other,
  };

  constexpr StoreStatus() = default;
  // From an LMDB or errno code; 0 is ok.
  static constexpr StoreStatus from_code(int code) { return StoreStatus(code); }
  static StoreStatus io_error();  // no store to write to (it could not be opened or remapped)
  static StoreStatus busy();      // the work was never started

  bool ok() const { return code_ == 0; }
  Kind kind() const;
  // The map is too small for what was asked: full, or grown by another
  // process past this one's; a remap to the environment's size may help.
  bool map_too_small() const {
    Kind k = kind();
    return k == Kind::map_full || k == Kind::map_resized;
  }
  // LMDB's or the system's words, e.g. "MDB_MAP_FULL: Environment mapsize limit reached".
  const char* message() const;
  // The LMDB or errno code behind it (the metrics' `error` label, tests).
  int code() const { return code_; }

 private:
  constexpr explicit StoreStatus(int code) : code_(code) {}
  int code_ = 0;
};

}  // namespace voxfra
