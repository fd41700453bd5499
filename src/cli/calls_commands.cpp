// voxfra calls list|show|export: read-only views of `calls`.
#include <functional>
#include <limits>

#include "cli/call_summary.h"
#include "cli/commands.h"
#include "cli/cursor.h"
#include "cli/errors.h"
#include "cli/output.h"
#include "cli/validate.h"
#include "store/bytes.h"

namespace voxfra::cli {

namespace {

constexpr std::uint64_t kDefaultListLimit = 50;
constexpr std::uint64_t kMaxListLimit = 1'000'000;

struct CallFilter {
  std::optional<std::string> org, client;
  std::optional<Provider> provider;
  UnixMillis since = std::numeric_limits<UnixMillis>::min();
  UnixMillis until = std::numeric_limits<UnixMillis>::max();

  bool matches(const StoredCall& c) const {
    return (!org || c.org == *org) && (!client || c.client == *client) && (!provider || c.provider == *provider) &&
           c.received_at >= since && c.received_at <= until;
  }
};

CallFilter read_filter(const Args& args) {
  CallFilter f;
  const UnixMillis now = now_millis();
  if (auto v = args.value("org")) f.org = check_name("org", *v);
  if (auto v = args.value("client")) f.client = check_name("client", *v);
  if (auto v = args.value("provider")) f.provider = check_provider(*v);
  if (auto v = args.value("since")) f.since = check_time("since", *v, now);
  if (auto v = args.value("until")) f.until = check_time("until", *v, now);
  return f;
}

enum class Order { newest_first, oldest_first };

// Calls `visit` with each readable record in `order` until it returns false.
// The views stay valid while `txn` is open. A record this version cannot
// read (written by a newer one) is passed over rather than ending the walk.
void walk_calls(Txn& txn, const Store& store, Order order, const std::function<bool(const StoredCall&)>& visit) {
  Cursor cursor(txn, store.calls_dbi());
  const bool forward = order == Order::oldest_first;
  for (bool more = forward ? cursor.first() : cursor.last(); more; more = forward ? cursor.next() : cursor.prev()) {
    StoredCall call;
    if (cursor.key().size() != 8 || !decode_stored_call(cursor.value(), call)) continue;
    call.sequence = bytes::get_u64be(cursor.key().data());
    if (!visit(call)) return;
  }
}

void print_call_table(const Cli& cli, const std::vector<StoredCall>& calls) {
  Table table({"RECORD ID", "RECEIVED", "ORG", "CLIENT", "PROVIDER", "CALL ID", "DURATION", "STATUS"});
  for (const StoredCall& c : calls) {
    CallSummary summary = summarize_call(c.json);
    table.add_row({record_id(c.sequence), time_or_dash(c.received_at), std::string(c.org), std::string(c.client),
                   std::string(provider_name(c.provider)), std::string(c.call_id), summary.duration,
                   summary.status});
  }
  table.print(*cli.out);
}

// The records verbatim: as stored, they are the unified record.
void print_records_json(const Cli& cli, const std::vector<StoredCall>& calls) {
  JsonDocument doc;
  doc.writer().begin_array();
  for (const StoredCall& c : calls) doc.writer().raw(c.json);
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
  std::vector<StoredCall> found;
  walk_calls(txn, *store, Order::newest_first, [&](const StoredCall& c) {
    if (filter.matches(c)) found.push_back(c);
    return found.size() < limit;
  });
  if (cli.json) {
    print_records_json(cli, found);
  } else {
    print_call_table(cli, found);
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
  // Every revision of the provider's call, newest first.
  std::vector<StoredCall> found;
  walk_calls(txn, *store, Order::newest_first, [&](const StoredCall& c) {
    if (c.call_id == *call_id) found.push_back(c);
    return true;
  });
  if (found.empty()) throw CommandError("no call record with call id \"" + *call_id + "\"");
  if (cli.json) {
    print_records_json(cli, found);
  } else {
    for (const StoredCall& c : found) *cli.out << c.json << '\n';
  }
  return 0;
}

int calls_export(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("calls export takes no argument \"" + operands.front() + "\"");
  CallFilter filter = read_filter(args);
  auto store = open_store(cli, Access::read);
  Txn txn(*store, false);
  // JSON lines, streamed: an export may be larger than memory.
  walk_calls(txn, *store, Order::oldest_first, [&](const StoredCall& c) {
    if (filter.matches(c)) *cli.out << c.json << '\n';
    return true;
  });
  return 0;
}

constexpr Command kCallsCommands[] = {
    {"calls", "list", "[--org O] [--client C] [--provider P] [--since T] [--until T] [--limit N]",
     "org client provider since until limit", calls_list},
    {"calls", "show", "RECORD_ID | --call-id ID", "call-id", calls_show},
    {"calls", "export", "[--since T] [--org O] [--client C] [--provider P]", "since org client provider",
     calls_export},
};

}  // namespace

std::span<const Command> calls_commands() { return kCallsCommands; }

}  // namespace voxfra::cli
