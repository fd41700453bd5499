#include "store/commit_coverage.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <ctime>

namespace voxfra {

namespace {

// Not FUTEX_PRIVATE_FLAG: the word is in memory NGINX's workers share.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t seen, std::chrono::microseconds timeout) {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1000000) * 1000;
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT, seen, &ts, nullptr, 0);
}

void futex_wake_all(std::atomic<std::uint32_t>& word) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace

void CoverageClient::wake() {
  shared_.changes.fetch_add(1, std::memory_order_release);
  futex_wake_all(shared_.changes);
}

void CoverageClient::publish(std::uint64_t durable_through) {
  std::uint64_t seen = shared_.durable.load(std::memory_order_acquire);
  while (seen < durable_through && !shared_.durable.compare_exchange_weak(seen, durable_through)) {
  }
}

void CoverageClient::begin_commit() { shared_.committers.fetch_add(1); }

void CoverageClient::end_commit(bool committed, std::uint64_t txn_id) {
  // The commit synced its data pages after the previous commit's meta page
  // was written (LMDB hands the writer lock on only after that write).
  if (committed && txn_id > 0) publish(txn_id - 1);
  shared_.committers.fetch_sub(1);
  wake();
}

void CoverageClient::count(bool own_sync) {
  (own_sync ? shared_.own_syncs : shared_.covered_by_next).fetch_add(1, std::memory_order_relaxed);
}

int CoverageClient::cover(std::uint64_t txn_id, bool* own_sync) {
  if (own_sync != nullptr) *own_sync = false;
  const auto deadline = std::chrono::steady_clock::now() + patience_;
  for (;;) {
    const std::uint32_t seen = shared_.changes.load(std::memory_order_acquire);
    if (shared_.durable.load(std::memory_order_acquire) >= txn_id) return 0;
    const auto now = std::chrono::steady_clock::now();
    // A committer under way began after this commit or will end before
    // it is woken for: wait for its publish, a while.
    if (shared_.committers.load() == 0 || now >= deadline) break;
    futex_wait(shared_.changes, seen, std::chrono::duration_cast<std::chrono::microseconds>(deadline - now));
  }
  std::uint64_t through = 0;
  int rc = sync_(through);
  if (rc != 0) return rc;
  if (own_sync != nullptr) *own_sync = true;
  publish(through);
  wake();
  // `through` was read after this commit returned, so it is at least txn_id.
  return 0;
}

}  // namespace voxfra
