#include "cli/call_summary.h"

#include <simdjson.h>

#include <cmath>
#include <cstdio>

namespace voxfra::cli {

namespace {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  auto total = static_cast<long long>(std::llround(seconds));
  long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  char text[48];
  if (h > 0) {
    std::snprintf(text, sizeof text, "%lldh%02lldm%02llds", h, m, s);
  } else if (m > 0) {
    std::snprintf(text, sizeof text, "%lldm%02llds", m, s);
  } else {
    std::snprintf(text, sizeof text, "%llds", s);
  }
  return text;
}

}  // namespace

CallSummary summarize_call(std::string_view record_json) {
  CallSummary summary;
  // One parser for the whole listing: its buffers are reused row to row.
  static simdjson::dom::parser parser;
  simdjson::dom::element record;
  if (parser.parse(record_json.data(), record_json.size()).get(record)) return summary;
  double seconds;
  if (!record["durationSeconds"].get_double().get(seconds)) summary.duration = format_duration(seconds);
  std::string_view status;
  if (!record["status"].get_string().get(status)) summary.status = std::string(status);
  return summary;
}

}  // namespace voxfra::cli
