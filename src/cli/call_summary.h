// The few facts a calls table shows that live only in the record JSON.
#pragma once
#include <string>
#include <string_view>

namespace voxfra::cli {

struct CallSummary {
  std::string duration = "-";  // "42s", "1m55s", "1h02m03s"
  std::string status = "-";
};

CallSummary summarize_call(std::string_view record_json);

}  // namespace voxfra::cli
