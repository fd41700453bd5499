// voxfra-fleet's log: one line per state change (connected, lost, resumed,
// caught up, a failure and its recovery), never one per record; on stderr,
// which systemd's journal keeps. No line holds a secret: URLs are logged
// without credentials (--nats refuses them) and passwords never.
#pragma once
#include <mutex>
#include <string>
#include <string_view>

namespace voxfra::fleet {

class DaemonLog {
 public:
  explicit DaemonLog(std::string node) : node_(std::move(node)) {}
  void info(std::string_view line) { write("info", line); }
  void warn(std::string_view line) { write("warn", line); }
  void error(std::string_view line) { write("error", line); }

 private:
  void write(std::string_view level, std::string_view line);
  std::string node_;
  std::mutex mutex_;
};

}  // namespace voxfra::fleet
