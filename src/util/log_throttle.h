// At most one log line per interval for an event that may come in bursts
// (a full LMDB map fails every request; a scanner probes thousands of
// slugs): the first event of a burst is logged at once, the ones after it
// are counted, and the next line the interval allows says how many were
// left out. Not thread-safe: one per worker, used on its event loop.
#pragma once
#include <cstdint>

#include "util/time.h"

namespace voxfra {

class LogThrottle {
 public:
  explicit LogThrottle(std::int64_t interval_ms) : interval_ms_(interval_ms) {}

  // Whether to log the event happening at `now`. When true, `left_out` is
  // the number of events not logged since the previous line.
  bool admit(UnixMillis now, std::uint64_t& left_out) {
    if (logged_once_ && now - last_logged_ < interval_ms_) {
      ++left_out_;
      return false;
    }
    logged_once_ = true;
    last_logged_ = now;
    left_out = left_out_;
    left_out_ = 0;
    return true;
  }

  std::int64_t interval_ms() const { return interval_ms_; }

 private:
  std::int64_t interval_ms_;
  bool logged_once_ = false;
  UnixMillis last_logged_ = 0;
  std::uint64_t left_out_ = 0;
};

}  // namespace voxfra
