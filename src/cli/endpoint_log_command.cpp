// voxfra endpoint log SLUG [--limit N]: the endpoint's request history,
// newest first (store/request_log.h).
#include <cstdio>

#include "cli/commands.h"
#include "cli/endpoint_records.h"
#include "cli/output.h"
#include "cli/validate.h"
#include "store/request_log.h"
#include "store/request_log_json.h"

namespace voxfra::cli {

namespace {

constexpr std::uint64_t kDefaultLimit = 20;
constexpr std::uint64_t kMaxLimit = 100'000;

std::string latency_text(std::uint32_t micros) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fms", static_cast<double>(micros) / 1000.0);
  return text;
}

std::string or_dash(std::string_view s) { return s.empty() ? "-" : std::string(s); }

}  // namespace

int endpoint_log(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  const std::string& slug = single_operand(operands, "endpoint log", "SLUG");
  std::uint64_t limit = kDefaultLimit;
  if (auto v = args.value("limit")) limit = check_positive("limit", *v, kMaxLimit);
  auto store = open_store(cli, Access::read);
  Txn txn(*store, false);
  Endpoint e = require_endpoint(txn, *store, slug);
  std::vector<RequestLogEntry> entries = read_request_log(txn, *store, e.id, static_cast<std::size_t>(limit));
  if (cli.json) {
    print_json_array(*cli.out, entries, write_request_log_entry);
    return 0;
  }
  Table table({"TIME", "OUTCOME", "HTTP", "REASON", "LATENCY", "REQUEST ID", "CALL ID"});
  for (const RequestLogEntry& entry : entries) {
    table.add_row({format_rfc3339(entry.at_micros / 1000), std::string(outcome_name(entry.outcome)),
                   std::to_string(entry.http_status), or_dash(reason_name(entry.reason)),
                   latency_text(entry.latency_micros), or_dash(entry.request_id()), or_dash(entry.call_id())});
  }
  table.print(*cli.out);
  return 0;
}

}  // namespace voxfra::cli
