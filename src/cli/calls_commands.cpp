// voxfra calls list|show (and the table of every calls command): read-only
// views of `calls`.
#include <algorithm>

#include "cli/call_query.h"
#include "cli/call_streams.h"
#include "cli/call_summary.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/store_commands.h"
#include "cli/validate.h"
#include "store/call_listing.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

constexpr std::uint64_t kDefaultListLimit = 50;
constexpr std::uint64_t kMaxListLimit = 1'000'000;

void print_call_table(const Cli& cli, const std::vector<CallRevisions>& calls) {
  Table table({"RECORD ID", "RECEIVED", "ORG", "CLIENT", "PROVIDER", "CALL ID", "EVENTS", "DURATION", "STATUS"});
  for (const CallRevisions& call : calls) {
    const StoredCall& c = call.newest();
    CallSummary summary = summarize_call(call.json());
    table.add_row({record_id(c.sequence), time_or_dash(c.received_at), std::string(c.org), std::string(c.client),
                   std::string(provider_name(c.provider)), std::string(c.call_id),
                   std::to_string(call.revisions.size()), summary.duration, summary.status});
  }
  table.print(*cli.out);
}

void print_calls_json(const Cli& cli, const std::vector<CallRevisions>& calls) {
  print_json_array(*cli.out, calls, [](JsonWriter& w, const CallRevisions& call) { w.raw(call.json()); });
}

int calls_list(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("calls list takes no argument \"" + operands.front() + "\"");
  CallFilter filter = read_filter(args);
  std::uint64_t limit = kDefaultListLimit;
  if (auto v = args.value("limit")) limit = check_positive("limit", *v, kMaxListLimit);

  auto store = open_store(cli, Access::read);
  Txn txn(*store, false);
  std::vector<CallRevisions> calls = list_calls(txn.get(), *store, filter, limit);
  if (cli.json) {
    print_calls_json(cli, calls);
  } else {
    print_call_table(cli, calls);
  }
  return 0;
}

int calls_show(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  auto call_id = args.value("call-id");
  if (call_id && !operands.empty()) throw UsageError("calls show takes a RECORD_ID or --call-id ID, not both");
  std::optional<std::uint64_t> sequence;
  if (!call_id) {
    const std::string& id = single_operand(operands, "calls show", "RECORD_ID (or --call-id ID)");
    sequence = parse_record_id(id);
    if (!sequence) throw UsageError("invalid record id \"" + id + "\": expected 16 hex digits");
  }

  auto store = open_store(cli, Access::read);
  Txn txn(*store, false);
  if (sequence) {
    auto call = find_record(txn.get(), *store, *sequence);
    if (!call) throw CommandError("no call record with id \"" + record_id(*sequence) + "\"");
    *cli.out << call->json << '\n';
    return 0;
  }
  // The call (merged over its revisions) in every org/client/provider
  // that has one by this id (or those the options name), looked up in the
  // call index: no scan of the calls, however many are stored.
  const CallFilter where = read_filter(args);
  std::vector<CallRevisions> calls;
  for (Provider provider : kAllProviders) {
    if (where.provider && *where.provider != provider) continue;
    for (CallRevisions& c : find_calls_by_call_id(txn.get(), *store, provider, *call_id, where.org, where.client)) {
      calls.push_back(std::move(c));
    }
  }
  std::sort(calls.begin(), calls.end(), [](const CallRevisions& a, const CallRevisions& b) {
    return a.newest().sequence > b.newest().sequence;
  });
  if (calls.empty()) throw CommandError("no call record with call id \"" + *call_id + "\"");
  if (cli.json) {
    print_calls_json(cli, calls);
  } else {
    for (const CallRevisions& c : calls) *cli.out << c.json() << '\n';
  }
  return 0;
}

constexpr Command kCallsCommands[] = {
    {"calls", "list", "[--org O] [--client C] [--provider P] [--since T] [--until T] [--limit N]",
     "org client provider since until limit", calls_list},
    {"calls", "show", "RECORD_ID | --call-id ID [--org O] [--client C] [--provider P]", "call-id org client provider",
     calls_show},
    {"calls", "export",
     "[--format jsonl|csv] [--no-header] [--raw-cells] [--after CURSOR] [--cursor-file F] [--since T] [--org O] "
     "[--client C] [--provider P]",
     "format no-header raw-cells after cursor-file since org client provider", calls_export},
    {"calls", "tail", "[--org O] [--client C] [--provider P] [--since T] [--poll MS] [--limit N]",
     "org client provider since poll limit", calls_tail},
    {"calls", "prune", "--before T [--dry-run] [--batch N]", "before dry-run batch", calls_prune},
};

}  // namespace

std::span<const Command> calls_commands() { return kCallsCommands; }

}  // namespace voxfra::cli
