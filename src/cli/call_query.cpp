#include "cli/call_query.h"

#include "store/cursor.h"
#include "cli/validate.h"
#include "store/bytes.h"

namespace voxfra::cli {

namespace {

constexpr std::size_t kSequenceKeySize = 8;

// The record under the cursor, or false when it cannot be read.
bool read_call(const Cursor& cursor, StoredCall& call) {
  if (cursor.key().size() != kSequenceKeySize || !decode_stored_call(cursor.value(), call)) return false;
  call.sequence = bytes::get_u64be(cursor.key().data());
  return true;
}

}  // namespace

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

void walk_calls(Txn& txn, const Store& store, Order order, const CallVisitor& visit) {
  voxfra::walk_calls(txn.get(), store, order, visit);
}

std::uint64_t walk_calls_after(Txn& txn, const Store& store, std::uint64_t after, const CallVisitor& visit) {
  if (after == std::numeric_limits<std::uint64_t>::max()) return after;
  Cursor cursor(txn, store.calls_dbi());
  char start[kSequenceKeySize];
  bytes::put_u64be(start, after + 1);
  std::uint64_t last = after;
  for (bool more = cursor.seek({start, sizeof start}); more; more = cursor.next()) {
    if (cursor.key().size() == kSequenceKeySize) last = bytes::get_u64be(cursor.key().data());
    StoredCall call;
    if (read_call(cursor, call) && !visit(call)) break;
  }
  return last;
}

}  // namespace voxfra::cli
