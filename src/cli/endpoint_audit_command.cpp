// voxfra endpoint audit [SLUG] [--org O] [--limit N]: who changed which
// endpoint how, newest first (store/audit_log.h): the CLI's changes and the
// Management API's alike.
#include "cli/commands.h"
#include "cli/endpoint_records.h"
#include "util/command_errors.h"
#include "cli/output.h"
#include "cli/validate.h"
#include "store/audit_log.h"
#include "store/audit_log_json.h"

namespace voxfra::cli {

namespace {

constexpr std::uint64_t kDefaultLimit = 20;
constexpr std::uint64_t kMaxLimit = 100'000;

}  // namespace

int endpoint_audit(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (operands.size() > 1) throw UsageError("endpoint audit takes at most one SLUG");
  AuditQuery query;
  query.limit = static_cast<std::size_t>(kDefaultLimit);
  if (auto v = args.value("limit")) query.limit = static_cast<std::size_t>(check_positive("limit", *v, kMaxLimit));
  if (auto v = args.value("org")) query.org = check_name("org", *v);
  auto store = open_store(cli, Access::read);
  Txn txn(*store, false);
  if (!operands.empty()) query.endpoint_id = require_endpoint(txn, *store, operands.front()).id;
  std::vector<AuditEntry> entries = read_audit_log(txn.get(), *store, query);
  if (cli.json) {
    print_json_array(*cli.out, entries, write_audit_entry);
    return 0;
  }
  Table table({"TIME", "ACTOR", "TOKEN", "ACTION", "ENDPOINT", "ORG", "CLIENT", "PROVIDER", "DETAIL"});
  for (const AuditEntry& e : entries) {
    table.add_row({format_rfc3339(e.at), e.actor, e.token_id.empty() ? "-" : e.token_id, e.action, e.endpoint_id,
                   e.org, e.client, e.provider, e.detail});
  }
  table.print(*cli.out);
  return 0;
}

}  // namespace voxfra::cli
