#include "ingest/write_queue.h"

#include <chrono>

namespace voxfra {

void WriteQueue::post(PendingCall* call, std::int64_t window_ms, void* request) {
  queue_.push_back({call, window_ms, request});
}

bool WriteQueue::start() {
  batch_now_ = now_millis();
  in_flight_ = host_.start_batch();
  return in_flight_;
}

void WriteQueue::pump() {
  while (!in_flight_ && !queue_.empty()) {
    if (host_.remap_pending()) return;  // the pool job that ends last pumps again
    // One batch, one window: the calls that share the first one's.
    retried_ = false;
    batch_commit_micros_ = 0;
    batch_window_ = queue_.front().window_ms;
    std::size_t taken = 0;
    for (const Entry& e : queue_) {
      if (e.window_ms != batch_window_) break;
      batch_requests_.push_back(e.request);
      batch_calls_.push_back(e.call);
      ++taken;
    }
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(taken));
    const bool store = host_.has_store();
    if (store && start()) return;
    // No store (it could not be remapped), or the pool's queue is full:
    // fail the batch now rather than hold it.
    for (PendingCall* call : batch_calls_) {
      call->result = PendingCall::Result::failed;
      call->error = store ? StoreStatus::busy() : StoreStatus::io_error();
    }
    finish_batch();
  }
}

void WriteQueue::write(Store& store) {
  const auto start = std::chrono::steady_clock::now();
  store.append_calls(batch_calls_.data(), batch_calls_.size(), batch_now_, batch_window_);
  // Both tries of a batch retried in a grown map count.
  batch_commit_micros_ += static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
}

void WriteQueue::batch_done() {
  in_flight_ = false;
  if (retry_in_grown_map()) return;
  finish_batch();
}

// A batch that failed for want of map: once no pool thread holds the
// store, the map may be remapped to the size `voxfra store resize` set, and
// the same batch tried once more instead of failing calls that now fit.
bool WriteQueue::retry_in_grown_map() {
  if (retried_ || !host_.has_store()) return false;
  bool map_too_small = false;
  for (PendingCall* call : batch_calls_) map_too_small = map_too_small || call->error.map_too_small();
  if (!map_too_small || !host_.grow_map()) return false;
  retried_ = true;
  return start();
}

void WriteQueue::finish_batch() {
  // Finishing answers requests, and NGINX may run others meanwhile that
  // post and start a new batch: this one is finished from its own copy.
  std::vector<void*> requests;
  std::vector<PendingCall*> calls;
  requests.swap(batch_requests_);
  calls.swap(batch_calls_);
  host_.batch_finished(calls.data(), calls.size(), batch_commit_micros_);
  for (std::size_t i = 0; i < calls.size(); ++i) host_.finish(requests[i], *calls[i]);
  // Keep the larger buffers when no new batch took their place.
  if (batch_requests_.empty() && batch_requests_.capacity() < requests.capacity()) {
    requests.clear();
    calls.clear();
    batch_requests_.swap(requests);
    batch_calls_.swap(calls);
  }
}

}  // namespace voxfra
