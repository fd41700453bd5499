#include "store/call_listing.h"

#include <simdjson.h>

#include <algorithm>

#include "record/record_merge.h"
#include "store/bytes.h"
#include "store/cursor.h"

namespace voxfra {

namespace {

// A stored record parsed by our own reader, valid until the next call on
// this thread; nullopt when it cannot be (a record stored before the depth
// of `variables` was bounded may be too deep: record/json_element.h).
std::optional<simdjson::dom::element> parse_record(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element record;
  if (parser.parse(json.data(), json.size()).get(record) != simdjson::SUCCESS) return std::nullopt;
  return record;
}

bool has_outcome(std::string_view json, std::string_view wanted) {
  auto record = parse_record(json);
  if (!record) return false;
  std::string_view outcome;
  return (*record)["outcome"].get(outcome) == simdjson::SUCCESS && outcome == wanted;
}

// org \0 client \0 provider \0 call id \0: the prefix of every idempotency
// key of one call, whatever its event. Empty for a call id no key can hold.
std::string call_key(std::string_view org, std::string_view client, Provider provider, std::string_view call_id) {
  std::string key;
  make_idempotency_key(key, org, client, provider, call_id, "");
  return key;
}

// Whether `key` is a key of the call `prefix` names: what follows the
// prefix is an event, which holds no separator. A store written before call
// ids were checked may hold "x\0\0event" for the call id "x\0": not call x's.
bool is_key_of(std::string_view key, std::string_view prefix) {
  return !prefix.empty() && key.starts_with(prefix) && key.find('\0', prefix.size()) == std::string_view::npos;
}

std::string_view sequence_key(std::uint64_t sequence, char (&out)[8]) {
  bytes::put_u64be(out, sequence);
  return {out, sizeof out};
}

// The (org, client) a call index key starts with.
bool split_org_client(std::string_view key, std::string& org, std::string& client) {
  std::size_t first = key.find('\0');
  if (first == std::string_view::npos) return false;
  std::size_t second = key.find('\0', first + 1);
  if (second == std::string_view::npos) return false;
  org.assign(key.substr(0, first));
  client.assign(key.substr(first + 1, second - first - 1));
  return true;
}

bool is_readable(std::string_view json) { return parse_record(json).has_value(); }

StoreError unreadable(const StoredCall& c) {
  return StoreError("record " + record_id(c.sequence) + " cannot be read back (invalid or too deeply nested JSON)");
}

}  // namespace

bool CallFilter::matches(const StoredCall& c) const {
  return (!org || c.org == *org) && (!client || c.client == *client) && (!provider || c.provider == *provider) &&
         c.received_at >= since && c.received_at <= until && (!outcome || has_outcome(c.json, *outcome));
}

void walk_calls(MDB_txn* txn, const Store& store, Order order, const std::function<bool(const StoredCall&)>& visit) {
  Cursor cursor(txn, store.calls_dbi());
  const bool forward = order == Order::oldest_first;
  for (bool more = forward ? cursor.first() : cursor.last(); more; more = forward ? cursor.next() : cursor.prev()) {
    StoredCall call;
    if (cursor.key().size() != 8 || !decode_stored_call(cursor.value(), call)) continue;
    call.sequence = bytes::get_u64be(cursor.key().data());
    if (!visit(call)) return;
  }
}

std::optional<StoredCall> find_record(MDB_txn* txn, const Store& store, std::uint64_t sequence) {
  char key_bytes[8];
  MDB_val key{8, const_cast<char*>(sequence_key(sequence, key_bytes).data())}, value;
  int rc = mdb_get(txn, store.calls_dbi(), &key, &value);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  if (rc != 0) throw StoreError(std::string("cannot read a call: ") + mdb_strerror(rc), rc);
  StoredCall call;
  if (!decode_stored_call({static_cast<const char*>(value.mv_data), value.mv_size}, call)) return std::nullopt;
  call.sequence = sequence;
  return call;
}

std::string CallRevisions::merged_json() const {
  std::vector<std::string_view> json;
  for (const StoredCall& c : revisions) {
    if (!is_readable(c.json)) throw unreadable(c);
    json.push_back(c.json);
  }
  return merge_call_revisions(json);
}

std::string CallRevisions::json() const {
  if (revisions.size() > 1) return merged_json();
  if (!is_readable(newest().json)) throw unreadable(newest());
  return std::string(newest().json);
}

CallRevisions call_revisions(MDB_txn* txn, const Store& store, const StoredCall& c, std::uint64_t up_to) {
  CallRevisions call{{c}};
  const std::string prefix = call_key(c.org, c.client, c.provider, c.call_id);
  if (prefix.empty()) return call;  // stored before call ids were checked: on its own
  Cursor cursor(txn, store.callidx_dbi());
  for (bool more = cursor.seek(prefix); more && cursor.key().starts_with(prefix); more = cursor.next()) {
    if (cursor.value().size() < 8 || !is_key_of(cursor.key(), prefix)) continue;
    std::uint64_t sequence = bytes::get_u64le(cursor.value().data());
    if (sequence > up_to) continue;
    bool known = false;
    for (const StoredCall& r : call.revisions) known = known || r.sequence == sequence;
    if (known) continue;
    if (auto found = find_record(txn, store, sequence)) call.revisions.push_back(*found);
  }
  std::sort(call.revisions.begin(), call.revisions.end(),
            [](const StoredCall& a, const StoredCall& b) { return a.sequence > b.sequence; });
  return call;
}

CallPage page_calls(MDB_txn* txn, const Store& store, const CallFilter& filter, std::size_t limit,
                    std::optional<CallPosition> from, std::size_t scan_budget) {
  CallPage page;
  if (limit == 0) return page;
  Cursor cursor(txn, store.calls_dbi());
  std::uint64_t top = 0;
  bool more;
  if (from) {
    top = from->top;
    // Nothing above `top` is listed: starting higher would only walk past
    // records uncounted (a cursor is the client's to send, and to forge).
    const std::uint64_t below = from->below > top ? (top == UINT64_MAX ? top : top + 1) : from->below;
    char key[8];
    more = cursor.seek_below(sequence_key(below, key));
  } else {
    more = cursor.last();
    if (more && cursor.key().size() == 8) top = bytes::get_u64be(cursor.key().data());
  }
  page.top = top;
  std::size_t scanned = 0;
  for (; more; more = cursor.prev()) {
    if (cursor.key().size() != 8) continue;
    const std::uint64_t sequence = bytes::get_u64be(cursor.key().data());
    if (sequence > top) continue;  // stored after the first page was read
    ++scanned;
    StoredCall c;
    if (decode_stored_call(cursor.value(), c) && filter.matches(c)) {
      c.sequence = sequence;
      CallRevisions call = call_revisions(txn, store, c, top);
      // Listed at its newest matching revision: a later one was (or is) listed above.
      bool listed_above = false;
      for (const StoredCall& r : call.revisions) listed_above = listed_above || (r.sequence > sequence && filter.matches(r));
      if (!listed_above) {
        page.calls.push_back(std::move(call));
        page.listed_at.push_back(sequence);
      }
    }
    if (page.calls.size() == limit || scanned == scan_budget) {
      if (cursor.prev()) page.next = CallPosition{top, sequence};
      return page;
    }
  }
  return page;
}

std::vector<CallRevisions> list_calls(MDB_txn* txn, const Store& store, const CallFilter& filter,
                                      std::uint64_t limit) {
  return page_calls(txn, store, filter, static_cast<std::size_t>(limit), std::nullopt).calls;
}

std::vector<CallRevisions> find_calls_by_call_id(MDB_txn* txn, const Store& store, Provider provider,
                                                 std::string_view call_id, const std::optional<std::string>& org,
                                                 const std::optional<std::string>& client) {
  std::vector<CallRevisions> found;
  auto probe = [&](std::string_view o, std::string_view c) {
    const std::string prefix = call_key(o, c, provider, call_id);
    if (prefix.empty()) return;
    Cursor cursor(txn, store.callidx_dbi());
    for (bool more = cursor.seek(prefix); more && cursor.key().starts_with(prefix); more = cursor.next()) {
      if (cursor.value().size() < 8 || !is_key_of(cursor.key(), prefix)) continue;
      if (auto record = find_record(txn, store, bytes::get_u64le(cursor.value().data()))) {
        found.push_back(call_revisions(txn, store, *record));
        return;
      }
    }
  };
  // The index is ordered by org, then client: visit each (org, client) once
  // and look the call up there, instead of reading every key.
  Cursor pairs(txn, store.callidx_dbi());
  bool more = org ? pairs.seek(*org + '\0') : pairs.first();
  std::string o, c;
  while (more) {
    if (!split_org_client(pairs.key(), o, c)) {
      more = pairs.next();
      continue;
    }
    if (org && o != *org) break;
    if (client) {
      probe(o, *client);
      more = pairs.seek(o + '\x01');  // the next org
    } else {
      probe(o, c);
      more = pairs.seek(o + '\0' + c + '\x01');  // the next client
    }
  }
  std::sort(found.begin(), found.end(), [](const CallRevisions& a, const CallRevisions& b) {
    return a.newest().sequence > b.newest().sequence;
  });
  return found;
}

}  // namespace voxfra
