// voxfra calls list|show (and the table of every calls command): read-only
// views of `calls`.
#include <algorithm>
#include <functional>
#include <map>
#include <limits>

#include "cli/call_query.h"
#include "cli/call_streams.h"
#include "cli/call_summary.h"
#include "cli/commands.h"
#include "cli/cursor.h"
#include "cli/errors.h"
#include "cli/output.h"
#include "cli/store_commands.h"
#include "cli/validate.h"
#include "record/record_merge.h"
#include "store/bytes.h"

namespace voxfra::cli {

namespace {

constexpr std::uint64_t kDefaultListLimit = 50;
constexpr std::uint64_t kMaxListLimit = 1'000'000;

// One call as listings show it: every stored revision (Retell's call_ended
// and call_analyzed are two), newest first.
struct CallRevisions {
  std::vector<StoredCall> revisions;
  const StoredCall& newest() const { return revisions.front(); }
  std::string merged_json() const {
    std::vector<std::string_view> json;
    for (const StoredCall& c : revisions) json.push_back(c.json);
    return merge_call_revisions(json);
  }
};

// org \0 client \0 provider \0 call id \0: the prefix of every idempotency
// key of one call, whatever its event.
std::string call_key(const StoredCall& c) {
  std::string key;
  make_idempotency_key(key, c.org, c.client, c.provider, c.call_id, "");
  return key;
}

std::optional<StoredCall> find_record(Txn& txn, const Store& store, std::uint64_t sequence);

// Adds the revisions the walk did not reach, found through the call index.
void complete_revisions(Txn& txn, const Store& store, CallRevisions& call) {
  const std::string prefix = call_key(call.newest());
  Cursor cursor(txn, store.callidx_dbi());
  for (bool more = cursor.seek(prefix); more && cursor.key().starts_with(prefix); more = cursor.next()) {
    if (cursor.value().size() < 8) continue;
    std::uint64_t sequence = bytes::get_u64le(cursor.value().data());
    bool known = false;
    for (const StoredCall& c : call.revisions) known = known || c.sequence == sequence;
    if (known) continue;
    if (auto found = find_record(txn, store, sequence)) call.revisions.push_back(*found);
  }
  std::sort(call.revisions.begin(), call.revisions.end(),
            [](const StoredCall& a, const StoredCall& b) { return a.sequence > b.sequence; });
}

// The newest `limit` calls that match, each with all its revisions.
std::vector<CallRevisions> list_calls(Txn& txn, const Store& store, const CallFilter& filter, std::uint64_t limit) {
  std::vector<CallRevisions> calls;
  std::map<std::string, std::size_t, std::less<>> index;
  walk_calls(txn, store, Order::newest_first, [&](const StoredCall& c) {
    if (!filter.matches(c)) return true;
    auto [it, fresh] = index.try_emplace(call_key(c), calls.size());
    if (!fresh) {
      calls[it->second].revisions.push_back(c);
      return true;
    }
    if (calls.size() == limit) return false;
    calls.push_back({{c}});
    return true;
  });
  for (CallRevisions& call : calls) complete_revisions(txn, store, call);
  return calls;
}

void print_call_table(const Cli& cli, const std::vector<CallRevisions>& calls) {
  Table table({"RECORD ID", "RECEIVED", "ORG", "CLIENT", "PROVIDER", "CALL ID", "EVENTS", "DURATION", "STATUS"});
  for (const CallRevisions& call : calls) {
    const StoredCall& c = call.newest();
    CallSummary summary = summarize_call(call.revisions.size() > 1 ? std::string_view(call.merged_json()) : c.json);
    table.add_row({record_id(c.sequence), time_or_dash(c.received_at), std::string(c.org), std::string(c.client),
                   std::string(provider_name(c.provider)), std::string(c.call_id),
                   std::to_string(call.revisions.size()), summary.duration, summary.status});
  }
  table.print(*cli.out);
}

// A call's record: as stored when it has one revision, merged otherwise.
void write_call_json(JsonWriter& w, const CallRevisions& call) {
  if (call.revisions.size() == 1) {
    w.raw(call.newest().json);
  } else {
    w.raw(call.merged_json());
  }
}

void print_calls_json(const Cli& cli, const std::vector<CallRevisions>& calls) {
  JsonDocument doc;
  doc.writer().begin_array();
  for (const CallRevisions& call : calls) write_call_json(doc.writer(), call);
  doc.writer().end_array();
  doc.print(*cli.out);
}

int calls_list(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("calls list takes no argument \"" + operands.front() + "\"");
  CallFilter filter = read_filter(args);
  std::uint64_t limit = kDefaultListLimit;
  if (auto v = args.value("limit")) limit = check_positive("limit", *v, kMaxListLimit);

  auto store = open_store(cli, Access::read);
  Txn txn(*store, false);
  std::vector<CallRevisions> calls = list_calls(txn, *store, filter, limit);
  if (cli.json) {
    print_calls_json(cli, calls);
  } else {
    print_call_table(cli, calls);
  }
  return 0;
}

std::optional<StoredCall> find_record(Txn& txn, const Store& store, std::uint64_t sequence) {
  char key[8];
  bytes::put_u64be(key, sequence);
  auto value = txn.get(store.calls_dbi(), {key, sizeof key});
  StoredCall call;
  if (!value || !decode_stored_call(*value, call)) return std::nullopt;
  call.sequence = sequence;
  return call;
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
    auto call = find_record(txn, *store, *sequence);
    if (!call) throw CommandError("no call record with id \"" + record_id(*sequence) + "\"");
    *cli.out << call->json << '\n';
    return 0;
  }
  // The call (merged over its revisions) in every org/client/provider
  // that has one by this id.
  CallFilter everything;
  std::vector<CallRevisions> calls = list_calls(txn, *store, everything, kMaxListLimit);
  std::erase_if(calls, [&](const CallRevisions& c) { return c.newest().call_id != *call_id; });
  if (calls.empty()) throw CommandError("no call record with call id \"" + *call_id + "\"");
  if (cli.json) {
    print_calls_json(cli, calls);
  } else {
    for (const CallRevisions& c : calls) *cli.out << (c.revisions.size() == 1 ? std::string(c.newest().json) : c.merged_json()) << '\n';
  }
  return 0;
}

constexpr Command kCallsCommands[] = {
    {"calls", "list", "[--org O] [--client C] [--provider P] [--since T] [--until T] [--limit N]",
     "org client provider since until limit", calls_list},
    {"calls", "show", "RECORD_ID | --call-id ID", "call-id", calls_show},
    {"calls", "export",
     "[--format jsonl|csv] [--no-header] [--after CURSOR] [--cursor-file F] [--since T] [--org O] [--client C] "
     "[--provider P]",
     "format no-header after cursor-file since org client provider", calls_export},
    {"calls", "tail", "[--org O] [--client C] [--provider P] [--since T] [--poll MS] [--limit N]",
     "org client provider since poll limit", calls_tail},
    {"calls", "prune", "--before T [--dry-run] [--batch N]", "before dry-run batch", calls_prune},
};

}  // namespace

std::span<const Command> calls_commands() { return kCallsCommands; }

}  // namespace voxfra::cli
