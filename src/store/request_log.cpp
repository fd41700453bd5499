#include "store/request_log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "store/bytes.h"
#include "store/lmdb_util.h"
#include "store/store.h"

namespace voxfra {

namespace {

constexpr std::uint8_t kEntryVersion = 1;
constexpr std::size_t kFixedSize = 1 + 8 + 4 + 2 + 1 + 1 + 1;  // up to the request id length
constexpr std::size_t kOrderSize = 8 + 4;                       // time and tie-breaker
constexpr std::uint32_t kMaxTies = 1000;

// The endpoint's count key, which is also the prefix of its entries.
std::string count_key(std::string_view endpoint_id) { return std::string(endpoint_id) + '\0'; }

bool is_entry_of(const MDB_val& key, std::string_view prefix) {
  return key.mv_size == prefix.size() + kOrderSize && std::memcmp(key.mv_data, prefix.data(), prefix.size()) == 0;
}

class CursorGuard {
 public:
  explicit CursorGuard(MDB_cursor* c) : c_(c) {}
  ~CursorGuard() { mdb_cursor_close(c_); }
  CursorGuard(const CursorGuard&) = delete;
  CursorGuard& operator=(const CursorGuard&) = delete;

 private:
  MDB_cursor* c_;
};

// Moves the cursor to the endpoint's newest entry; `found` false when it has none.
int seek_newest(MDB_cursor* cursor, std::string_view endpoint_id, MDB_val& key, MDB_val& value, bool& found) {
  found = false;
  const std::string after = request_log_key(endpoint_id, UINT64_MAX, UINT32_MAX);
  key = lmdb::val(after);
  int rc = mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE);
  if (rc == 0) {
    rc = mdb_cursor_get(cursor, &key, &value, MDB_PREV);
  } else if (rc == MDB_NOTFOUND) {
    rc = mdb_cursor_get(cursor, &key, &value, MDB_LAST);
  }
  if (rc == MDB_NOTFOUND) return 0;
  found = rc == 0 && is_entry_of(key, std::string_view(after.data(), endpoint_id.size() + 1));
  return rc;
}

int read_count(MDB_txn* txn, MDB_dbi dbi, const std::string& key, std::uint64_t& count) {
  MDB_val k = lmdb::val(key), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  count = 0;
  if (rc == MDB_NOTFOUND) return 0;
  if (rc == 0 && v.mv_size == 8) count = bytes::get_u64le(static_cast<const char*>(v.mv_data));
  return rc;
}

// Writes the newest `keep` of one endpoint's entries (in the order they
// happened), then deletes its oldest entries past `keep`.
int append_endpoint(MDB_txn* txn, MDB_dbi dbi, const RequestLogEntry* const* entries, std::size_t count,
                    std::size_t keep) {
  const std::string_view endpoint_id = entries[0]->endpoint_id();
  const std::string counter = count_key(endpoint_id);
  std::uint64_t stored = 0;
  int rc = read_count(txn, dbi, counter, stored);
  if (rc != 0) return rc;

  for (std::size_t i = count > keep ? count - keep : 0; i < count; ++i) {
    const std::string value = encode_request_log_entry(*entries[i]);
    // Two workers may log one endpoint in the same microsecond.
    for (std::uint32_t tie = 0;; ++tie) {
      const std::string key = request_log_key(endpoint_id, static_cast<std::uint64_t>(entries[i]->at_micros), tie);
      MDB_val k = lmdb::val(key);
      MDB_val v = lmdb::val(value);  // MDB_KEYEXIST points it at the existing value
      rc = mdb_put(txn, dbi, &k, &v, MDB_NOOVERWRITE);
      if (rc != MDB_KEYEXIST || tie == kMaxTies) break;
    }
    if (rc == MDB_KEYEXIST) continue;
    if (rc != 0) return rc;
    ++stored;
  }

  if (stored > keep) {
    MDB_cursor* cursor = nullptr;
    rc = mdb_cursor_open(txn, dbi, &cursor);
    if (rc != 0) return rc;
    CursorGuard guard(cursor);
    const std::string oldest = request_log_key(endpoint_id, 0, 0);
    for (; stored > keep; --stored) {
      MDB_val key = lmdb::val(oldest), value;
      rc = mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE);
      if (rc == MDB_NOTFOUND || (rc == 0 && !is_entry_of(key, counter))) break;  // fewer than counted
      if (rc == 0) rc = mdb_cursor_del(cursor, 0);
      if (rc != 0) return rc;
    }
    stored = std::min<std::uint64_t>(stored, keep);
  }
  char count_bytes[8];
  bytes::put_u64le(count_bytes, stored);
  MDB_val k = lmdb::val(counter), v{sizeof count_bytes, count_bytes};
  return mdb_put(txn, dbi, &k, &v, 0);
}

}  // namespace

std::uint8_t RequestLogEntry::copy(char* out, std::size_t max, std::string_view v) {
  std::size_t n = std::min({v.size(), max, std::size_t{255}});
  std::memcpy(out, v.data(), n);
  return static_cast<std::uint8_t>(n);
}

std::string request_log_key(std::string_view endpoint_id, std::uint64_t at_micros, std::uint32_t tie) {
  std::string key = count_key(endpoint_id);
  char order[kOrderSize];
  bytes::put_u64be(order, at_micros);
  bytes::put_u32be(order + 8, tie);
  key.append(order, sizeof order);
  return key;
}

std::string encode_request_log_entry(const RequestLogEntry& e) {
  std::string out(kFixedSize, '\0');
  char* p = out.data();
  p[0] = static_cast<char>(kEntryVersion);
  bytes::put_u64le(p + 1, static_cast<std::uint64_t>(e.at_micros));
  bytes::put_u32le(p + 9, e.latency_micros);
  bytes::put_u16le(p + 13, e.http_status);
  p[15] = static_cast<char>(e.outcome);
  p[16] = static_cast<char>(e.reason);
  p[17] = static_cast<char>(e.provider);
  for (std::string_view s : {e.request_id(), e.call_id()}) {
    out += static_cast<char>(s.size());
    out += s;
  }
  return out;
}

bool decode_request_log_entry(std::string_view bytes, RequestLogEntry& out) {
  if (bytes.size() < kFixedSize || static_cast<std::uint8_t>(bytes[0]) != kEntryVersion) return false;
  const char* p = bytes.data();
  RequestLogEntry e;
  e.at_micros = static_cast<std::int64_t>(bytes::get_u64le(p + 1));
  e.latency_micros = bytes::get_u32le(p + 9);
  e.http_status = bytes::get_u16le(p + 13);
  const auto outcome = static_cast<std::uint8_t>(p[15]);
  const auto reason = static_cast<std::uint8_t>(p[16]);
  if (outcome > static_cast<std::uint8_t>(Outcome::rejected) || reason >= kReasonCount) return false;
  e.outcome = static_cast<Outcome>(outcome);
  e.reason = static_cast<Reason>(reason);
  e.provider = static_cast<std::uint8_t>(p[17]);
  std::string_view rest = bytes.substr(kFixedSize);
  std::string_view parts[2];
  for (std::string_view& part : parts) {
    if (rest.empty()) return false;
    std::size_t n = static_cast<std::uint8_t>(rest[0]);
    if (rest.size() < 1 + n) return false;
    part = rest.substr(1, n);
    rest.remove_prefix(1 + n);
  }
  e.set_request_id(parts[0]);
  e.set_call_id(parts[1]);
  out = e;
  return true;
}

std::vector<RequestLogEntry> read_request_log(Txn& txn, const Store& store, std::string_view endpoint_id,
                                              std::size_t limit) {
  return read_request_log(txn.get(), store, endpoint_id, limit);
}

std::vector<RequestLogEntry> read_request_log(MDB_txn* txn, const Store& store, std::string_view endpoint_id,
                                              std::size_t limit) {
  std::vector<RequestLogEntry> out;
  if (!store.has_request_log() || limit == 0 || endpoint_id.empty()) return out;
  MDB_cursor* cursor = nullptr;
  lmdb::check(mdb_cursor_open(txn, store.reqlog_dbi(), &cursor), "cannot open a cursor");
  CursorGuard guard(cursor);
  MDB_val key, value;
  bool found = false;
  lmdb::check(seek_newest(cursor, endpoint_id, key, value, found), "cannot read the request log");
  const std::string prefix = count_key(endpoint_id);
  while (found && out.size() < limit) {
    RequestLogEntry e;
    if (decode_request_log_entry(lmdb::view(value), e)) {
      e.set_endpoint_id(endpoint_id);
      out.push_back(e);
    }
    int rc = mdb_cursor_get(cursor, &key, &value, MDB_PREV);
    if (rc == MDB_NOTFOUND) break;
    lmdb::check(rc, "cannot read the request log");
    found = is_entry_of(key, prefix);
  }
  return out;
}

StoreStatus Store::append_request_log(const RequestLogEntry* entries, std::size_t count,
                                      std::size_t keep_per_endpoint) {
  return StoreStatus::from_code(append_request_log_code(entries, count, keep_per_endpoint));
}

int Store::append_request_log_code(const RequestLogEntry* entries, std::size_t count, std::size_t keep_per_endpoint) {
  if (count == 0 || keep_per_endpoint == 0) return 0;
  if (!has_reqlog_) return MDB_NOTFOUND;
  try {
    // Grouped by endpoint, each group in the order the requests happened.
    std::vector<const RequestLogEntry*> order(count);
    for (std::size_t i = 0; i < count; ++i) order[i] = &entries[i];
    std::stable_sort(order.begin(), order.end(), [](const RequestLogEntry* a, const RequestLogEntry* b) {
      return a->endpoint_id() < b->endpoint_id();
    });
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc != 0) return rc;
    lmdb::AbortGuard guard(txn);
    for (std::size_t begin = 0; begin < count;) {
      std::size_t end = begin + 1;
      while (end < count && order[end]->endpoint_id() == order[begin]->endpoint_id()) ++end;
      if (!order[begin]->endpoint_id().empty()) {
        rc = append_endpoint(txn, reqlog_, order.data() + begin, end - begin, keep_per_endpoint);
        if (rc != 0) return rc;
      }
      begin = end;
    }
    return guard.commit();
  } catch (const std::bad_alloc&) {
    return ENOMEM;
  } catch (...) {
    return EIO;
  }
}

}  // namespace voxfra
