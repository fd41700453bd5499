// One worker's request history entries on their way to LMDB: a ring of a
// fixed number of entries, filled on the event loop and emptied once a
// second by the flush, allocated once. When a flood fills it, the oldest
// entries make room (the newest history is the useful one) and are counted
// as dropped, so that bad requests cost neither memory nor the good
// requests' time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "store/request_log.h"

namespace voxfra {

class RequestLogBuffer {
 public:
  explicit RequestLogBuffer(std::size_t capacity);

  // Room for one more entry, made by dropping the oldest when full; the
  // caller fills it in. Never allocates.
  RequestLogEntry& push();
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return slots_.size(); }
  // Entries dropped since the last take_dropped().
  std::uint64_t take_dropped();
  // Moves the entries, oldest first, into `out` (cleared first; no
  // allocation once `out` has reserved capacity()) and empties the ring.
  void take(std::vector<RequestLogEntry>& out);

 private:
  std::vector<RequestLogEntry> slots_;
  std::size_t start_ = 0;
  std::size_t size_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace voxfra
