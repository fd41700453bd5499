// The group commit (docs/design.md, "Storage"): accepted calls wait here
// until a pool thread takes them, in batches, one LMDB commit (and fsync)
// for all the calls that arrived while the previous commit was on disk.
// The queue owns batching, completion and the retry after a remap; whoever
// runs it (the NGINX glue) says how a batch reaches a pool thread and what
// the worker's map can do, through Host. C++17: the glue includes it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "store/store.h"
#include "util/time.h"

namespace voxfra {

class WriteQueue {
 public:
  class Host {
   public:
    // Hands the batch to a pool thread, which calls write() and then, back
    // on the event loop, batch_done(); false when the pool's queue is full.
    virtual bool start_batch() = 0;
    virtual bool has_store() = 0;
    // Remaps the store if a remap is wanted and no pool thread holds it;
    // true while a remap still waits (no batch may start).
    virtual bool remap_pending() = 0;
    // The batch found the map too small: remap to the environment's size
    // (`voxfra store resize` may have raised it); true when the map grew.
    virtual bool grow_map() = 0;
    // The calls of a batch, stored or not, before each is finished;
    // `commit_micros`: the pool thread's time in the store (0 when the
    // batch never reached it).
    virtual void batch_finished(PendingCall* const* calls, std::size_t count, std::uint64_t commit_micros) = 0;
    // One call's result is known (PendingCall::result): answer its request.
    virtual void finish(void* request, PendingCall& call) = 0;

   protected:
    ~Host() = default;
  };

  explicit WriteQueue(Host& host) : host_(host) {}
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Queues `call` (kept alive by the caller until finish) for a commit
  // under its idempotency window; `request` is handed back to finish.
  void post(PendingCall* call, std::int64_t window_ms, void* request);
  // Starts the next batch unless one is in flight or a remap waits; a
  // batch that cannot start fails at once, and the next is taken.
  void pump();
  // On a pool thread: the batch's one commit.
  void write(Store& store);
  // Back on the event loop after write(): retries once in a grown map, or
  // finishes every call of the batch.
  void batch_done();

  bool in_flight() const { return in_flight_; }
  // Nothing queued and nothing being written.
  bool idle() const { return !in_flight_ && queue_.empty(); }

 private:
  struct Entry {
    PendingCall* call;
    std::int64_t window_ms;
    void* request;
  };
  bool start();
  bool retry_in_grown_map();
  void finish_batch();

  Host& host_;
  std::vector<Entry> queue_;
  std::vector<void*> batch_requests_;  // the pool thread's while in flight
  std::vector<PendingCall*> batch_calls_;
  std::int64_t batch_window_ = 0;
  UnixMillis batch_now_ = 0;
  std::uint64_t batch_commit_micros_ = 0;  // write()'s, for batch_finished
  bool in_flight_ = false;
  bool retried_ = false;  // the batch in flight is a retry after the map grew
};

}  // namespace voxfra
