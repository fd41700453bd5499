#include "ingest/request_log_buffer.h"

namespace voxfra {

RequestLogBuffer::RequestLogBuffer(std::size_t capacity) : slots_(capacity ? capacity : 1) {}

RequestLogEntry& RequestLogBuffer::push() {
  if (size_ == slots_.size()) {
    start_ = (start_ + 1) % slots_.size();
    --size_;
    ++dropped_;
  }
  RequestLogEntry& slot = slots_[(start_ + size_) % slots_.size()];
  ++size_;
  slot = RequestLogEntry{};
  return slot;
}

std::uint64_t RequestLogBuffer::take_dropped() {
  std::uint64_t n = dropped_;
  dropped_ = 0;
  return n;
}

void RequestLogBuffer::take(std::vector<RequestLogEntry>& out) {
  out.clear();
  for (std::size_t i = 0; i < size_; ++i) out.push_back(slots_[(start_ + i) % slots_.size()]);
  start_ = 0;
  size_ = 0;
}

}  // namespace voxfra
