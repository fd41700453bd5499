#include "fleet/daemon_log.h"

#include <cstdio>

#include "util/time.h"

namespace voxfra::fleet {

void DaemonLog::write(std::string_view level, std::string_view line) {
  char at[32];
  std::size_t n = format_rfc3339(now_millis(), at);
  std::lock_guard lock(mutex_);
  std::fprintf(stderr, "%.*s voxfra-fleet[%s] %.*s: %.*s\n", static_cast<int>(n), at, node_.c_str(),
               static_cast<int>(level.size()), level.data(), static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
}

}  // namespace voxfra::fleet
