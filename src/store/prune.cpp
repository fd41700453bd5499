#include "store/prune.h"

#include <optional>
#include <string>

#include "store/bytes.h"
#include "store/call_index.h"
#include "store/fleet_state.h"
#include "store/lmdb_util.h"

namespace voxfra {

namespace {

// One transaction: a write one that commits when it is done, or (dry run)
// the read one the whole walk shares.
class Batch {
 public:
  Batch(Store& store, bool write) : write_(write) {
    lmdb::check(mdb_txn_begin(store.env(), nullptr, write ? 0 : MDB_RDONLY, &txn_),
                write ? "cannot begin a write transaction" : "cannot begin a read transaction");
  }
  ~Batch() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  MDB_txn* get() const { return txn_; }
  bool write() const { return write_; }
  void commit() {
    MDB_txn* txn = txn_;
    txn_ = nullptr;
    lmdb::check(mdb_txn_commit(txn), "cannot commit a prune batch");
  }

 private:
  MDB_txn* txn_ = nullptr;
  bool write_;
};

// The first entry at or after `key` (empty: the first of all), or false at
// the end.
bool seek(MDB_txn* txn, MDB_dbi dbi, std::string_view key, MDB_val& k, MDB_val& v) {
  k = lmdb::val(key);
  MDB_cursor* cursor = nullptr;
  lmdb::check(mdb_cursor_open(txn, dbi, &cursor), "cannot open a cursor");
  int rc = mdb_cursor_get(cursor, &k, &v, key.empty() ? MDB_FIRST : MDB_SET_RANGE);
  mdb_cursor_close(cursor);
  if (rc == MDB_NOTFOUND) return false;
  lmdb::check(rc, "cannot read");
  return true;
}

bool exists(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  MDB_val k = lmdb::val(key), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return false;
  lmdb::check(rc, "cannot read");
  return true;
}

void remove(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  MDB_val k = lmdb::val(key);
  lmdb::check(mdb_del(txn, dbi, &k, nullptr), "cannot delete");
}


// The record `call` (at `sequence`) and its call-index entry when that
// still names it (a later delivery, past the idempotency window, may have
// stored the call again and taken the entry over).
void delete_call(Batch& b, Store& store, const StoredCall& call, std::string_view record_key,
                 std::string& key_scratch, PruneResult& result) {
  key_scratch.clear();
  append_idempotency_key_unchecked(key_scratch, call.org, call.client, call.provider, call.call_id, call.event);
  MDB_val k = lmdb::val(key_scratch), v;
  int rc = mdb_get(b.get(), store.callidx_dbi(), &k, &v);
  if (rc != 0 && rc != MDB_NOTFOUND) lmdb::fail("cannot read the call index", rc);
  std::optional<call_index::Entry> entry;
  if (rc == 0) entry = call_index::decode(lmdb::view(v));
  if (entry && entry->sequence == call.sequence) {
    if (b.write()) remove(b.get(), store.callidx_dbi(), key_scratch);
    ++result.keys;
  }
  if (b.write()) remove(b.get(), store.calls_dbi(), record_key);
}

// Walks `calls` oldest first from the start, deleting what was received
// before the cut, `batch` records per transaction.
void prune_records(Store& store, const PruneOptions& o, std::optional<Batch>& read, PruneResult& result) {
  std::uint64_t resume = 0;
  std::string key_scratch;
  for (;;) {
    std::optional<Batch> own;
    if (!o.dry_run) own.emplace(store, true);
    Batch& b = o.dry_run ? *read : *own;
    std::size_t deleted = 0, visited = 0;
    bool done = false;
    // On a fleet node, what voxfra-fleet has not shipped yet stays
    // (docs/fleet.md): the stream must still get it.
    const std::optional<std::uint64_t> shipped = shipped_cursor(b.get(), store);
    while (deleted < o.batch && visited < 4 * o.batch) {
      char key_bytes[8];
      bytes::put_u64be(key_bytes, resume);
      MDB_val k, v;
      if (!seek(b.get(), store.calls_dbi(), resume ? std::string_view(key_bytes, 8) : std::string_view(), k, v)) {
        done = true;
        break;
      }
      ++visited;
      std::string_view key = lmdb::view(k);
      StoredCall call;
      // A key of another shape, or a record this build cannot read, is
      // passed over (it is not ours to judge).
      if (key.size() != 8 || !decode_stored_call(lmdb::view(v), call)) {
        if (key.size() != 8) {
          done = true;  // sequence keys are all 8 bytes: nothing after this one is ours
          break;
        }
        resume = bytes::get_u64be(key.data()) + 1;
        continue;
      }
      call.sequence = bytes::get_u64be(key.data());
      if (shipped && call.sequence > *shipped) {
        result.kept_unshipped = call.received_at < o.before;
        done = true;
        break;
      }
      if (call.received_at >= o.before + kCommitOrderSlackMs) {
        done = true;
        break;
      }
      resume = call.sequence + 1;
      if (call.received_at >= o.before) continue;
      // `key` points into the map; copy it before the index lookup.
      bytes::put_u64be(key_bytes, call.sequence);
      result.bytes += v.mv_size;
      ++result.calls;
      ++deleted;
      delete_call(b, store, call, std::string_view(key_bytes, 8), key_scratch, result);
    }
    if (own) {
      own->commit();
      ++result.transactions;
    }
    if (done || resume == 0) return;
  }
}

// Walks `callidx` from the start: an entry stored before the cut whose
// record is gone (pruned, or lost in an older version) can only make a
// redelivery look like a duplicate of nothing.
void prune_orphan_keys(Store& store, const PruneOptions& o, std::optional<Batch>& read, PruneResult& result) {
  std::string resume;
  bool started = false;
  for (;;) {
    std::optional<Batch> own;
    if (!o.dry_run) own.emplace(store, true);
    Batch& b = o.dry_run ? *read : *own;
    std::size_t looked = 0;
    bool done = false;
    while (looked < 4 * o.batch) {
      MDB_val k, v;
      if (!seek(b.get(), store.callidx_dbi(), started ? std::string_view(resume) : std::string_view(), k, v)) {
        done = true;
        break;
      }
      started = true;
      ++looked;
      resume.assign(static_cast<const char*>(k.mv_data), k.mv_size);
      resume.push_back('\0');  // the smallest key after this one
      auto entry = call_index::decode(lmdb::view(v));
      if (!entry || entry->stored_at >= o.before) continue;
      char record_key[8];
      bytes::put_u64be(record_key, entry->sequence);
      if (exists(b.get(), store.calls_dbi(), std::string_view(record_key, 8))) continue;
      if (b.write()) remove(b.get(), store.callidx_dbi(), std::string_view(resume).substr(0, resume.size() - 1));
      ++result.keys;
    }
    if (own) {
      own->commit();
      ++result.transactions;
    }
    if (done) return;
  }
}

}  // namespace

PruneResult prune_calls(Store& store, const PruneOptions& options) {
  PruneOptions o = options;
  if (o.batch == 0) o.batch = 1;
  PruneResult result;
  std::optional<Batch> read;
  if (o.dry_run) read.emplace(store, false);
  prune_records(store, o, read, result);
  prune_orphan_keys(store, o, read, result);
  return result;
}

}  // namespace voxfra
