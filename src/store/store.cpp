#include "store/store.h"

#include <sys/stat.h>

#include <cerrno>
#include <functional>
#include <new>
#include <thread>

#include "store/bytes.h"
#include "store/call_index.h"
#include "store/lmdb_util.h"
#include "util/version.h"

namespace voxfra {

namespace {

constexpr std::uint64_t kNewEnvironmentMapSize = 4ull << 30;  // 4 GiB
constexpr unsigned kMaxDatabases = 16;                         // eleven in use, room to grow
constexpr std::string_view kSchemaKey = "schema";

std::string quoted(const std::string& path) { return "\"" + path + "\""; }

[[noreturn]] void cannot_open(const std::string& path, int rc) {
  lmdb::fail("cannot open LMDB environment " + quoted(path), rc);
}

// A data file shorter than its last commit says (power lost in the middle
// of an unsynced write, or a file cut short by a copy): LMDB would answer
// reads of the missing pages with SIGBUS, so the store is refused here.
void refuse_missing_pages(MDB_env* env, const std::string& path) {
  MDB_envinfo info;
  MDB_stat geometry;
  mdb_filehandle_t fd;
  if (mdb_env_info(env, &info) != 0 || mdb_env_stat(env, &geometry) != 0 || mdb_env_get_fd(env, &fd) != 0) return;
  struct stat file;
  if (::fstat(fd, &file) != 0) return;
  const std::uint64_t pages = static_cast<std::uint64_t>(file.st_size) / geometry.ms_psize;
  if (pages > info.me_last_pgno) return;
  throw StoreError("LMDB environment " + quoted(path) + " is damaged: its last commit (" +
                       std::to_string(info.me_last_txnid) + ") uses " + std::to_string(info.me_last_pgno + 1) +
                       " pages and data.mdb holds " + std::to_string(pages) +
                       " (a write lost with the power, or a copy cut short); restore the store from a backup",
                   MDB_CORRUPTED);
}

// mkdir -p. The environment's own directory is 0700 (it holds secrets);
// parents are 0755 so that NGINX's worker user can still reach it.
void make_directories(const std::string& path) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const bool leaf = slash == std::string::npos;
    std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), leaf ? 0700 : 0755) != 0 && errno != EEXIST) {
      throw StoreError("cannot create directory " + quoted(prefix) + ": " + mdb_strerror(errno), errno);
    }
    if (leaf) break;
  }
}

// Exists, or cannot be looked at (EACCES: another user's 0700 store): then
// opening it says why, instead of calling it missing.
bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 || errno != ENOENT;
}

unsigned environment_flags(const StoreOptions& o) {
  unsigned flags = 0;
  if (o.no_tls) flags |= MDB_NOTLS;
  if (!o.sync_commits) flags |= MDB_NOSYNC;
  if (o.read_only) flags |= MDB_RDONLY;
  return flags;
}

// The last sequence in `calls`, 0 when there is none. Read once per write
// transaction; appends then count on from it.
int last_sequence(MDB_txn* txn, MDB_dbi calls, std::uint64_t& out) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, calls, &cursor);
  if (rc != 0) return rc;
  MDB_val key, value;
  rc = mdb_cursor_get(cursor, &key, &value, MDB_LAST);
  mdb_cursor_close(cursor);
  if (rc == MDB_NOTFOUND) {
    out = 0;
    return 0;
  }
  if (rc != 0) return rc;
  if (key.mv_size != 8) return MDB_CORRUPTED;
  out = bytes::get_u64be(static_cast<const char*>(key.mv_data));
  return 0;
}

// The call index's entry for `key`, if it has one this build reads.
int find_indexed(MDB_txn* txn, MDB_dbi callidx, std::string_view key, std::optional<call_index::Entry>& out) {
  out.reset();
  MDB_val k = lmdb::val(key), v;
  int rc = mdb_get(txn, callidx, &k, &v);
  if (rc == MDB_NOTFOUND) return 0;
  if (rc != 0) return rc;
  // An entry of another shape is not ours to trust; the append overwrites it.
  out = call_index::decode(lmdb::view(v));
  return 0;
}

// The record id a delivery of the call stored under `key` within the
// window is answered with, if any.
int find_recent(MDB_txn* txn, MDB_dbi callidx, std::string_view key, UnixMillis now,
                std::int64_t window_ms, std::optional<std::uint64_t>& out) {
  out.reset();
  std::optional<call_index::Entry> entry;
  int rc = find_indexed(txn, callidx, key, entry);
  if (rc == 0 && entry && now - entry->stored_at < window_ms) out = entry->answer;
  return rc;
}

// Appends `call` under `sequence`, indexed as stored at `stored_at`.
int append_one(MDB_txn* txn, MDB_dbi calls, MDB_dbi callidx, PendingCall& call,
               std::uint64_t sequence, UnixMillis stored_at) {
  char key_bytes[8];
  bytes::put_u64be(key_bytes, sequence);
  MDB_val key{sizeof key_bytes, key_bytes};
  MDB_val value{stored_call_size(call), nullptr};
  int rc = mdb_put(txn, calls, &key, &value, MDB_APPEND | MDB_RESERVE);
  if (rc != 0) return rc;
  encode_stored_call(call, sequence, static_cast<char*>(value.mv_data));

  call_index::Entry entry{sequence, stored_at, call.replicated_sequence, call.replicated_sequence != 0};
  char index_bytes[call_index::kReplicatedSize];
  MDB_val index_key = lmdb::val(call.idempotency_key);
  MDB_val index_value{call_index::encode(entry, index_bytes), index_bytes};
  return mdb_put(txn, callidx, &index_key, &index_value, 0);
}

// LMDB refuses keys that are empty or longer than its limit; such a call is
// failed alone rather than failing everyone else's call in the batch.
bool key_fits(MDB_env* env, std::string_view key) {
  return !key.empty() && key.size() <= static_cast<std::size_t>(mdb_env_get_maxkeysize(env));
}

struct NamedDatabase {
  const char* name;
  MDB_dbi* dbi;
};

void check_schema(const std::string& path, std::string_view stored) {
  if (stored.size() != 4) {
    throw StoreError("LMDB environment " + quoted(path) + " has an unreadable schema version");
  }
  std::uint32_t version = bytes::get_u32le(stored.data());
  if (version > kSchemaVersion) {
    throw StoreError("LMDB environment " + quoted(path) + " has schema version " + std::to_string(version) +
                     ", written by a newer voxfra; this is voxfra " + std::string(voxfra::version()) +
                     ", which reads schema version " + std::to_string(kSchemaVersion) +
                     " and older: upgrade the voxfra CLI and the NGINX module together");
  }
}

// Opens (with `write`: creates) the named databases and checks or writes the
// schema version. false when, reading, something is missing.
bool open_databases_in(MDB_env* env, const std::string& path, const NamedDatabase* databases,
                       std::size_t count, bool write) {
  MDB_txn* txn = nullptr;
  lmdb::check(mdb_txn_begin(env, nullptr, write ? 0 : MDB_RDONLY, &txn), "cannot begin a transaction");
  lmdb::AbortGuard guard(txn);
  MDB_dbi meta = 0;
  for (std::size_t i = 0; i < count; ++i) {
    int rc = mdb_dbi_open(txn, databases[i].name, write ? MDB_CREATE : 0, databases[i].dbi);
    if (rc == MDB_NOTFOUND && !write) return false;
    if (rc != 0) {
      lmdb::fail(std::string("cannot open database \"") + databases[i].name + "\" in " + quoted(path), rc);
    }
    if (std::string_view(databases[i].name) == "meta") meta = *databases[i].dbi;
  }

  MDB_val key = lmdb::val(kSchemaKey), value;
  int rc = mdb_get(txn, meta, &key, &value);
  if (rc == MDB_NOTFOUND) {
    if (!write) return false;
    char version[4];
    bytes::put_u32le(version, kSchemaVersion);
    value = MDB_val{sizeof version, version};
    lmdb::check(mdb_put(txn, meta, &key, &value, 0), "cannot write the schema version");
  } else if (rc != 0) {
    lmdb::fail("cannot read the schema version of " + quoted(path), rc);
  } else {
    check_schema(path, lmdb::view(value));
  }
  // Committing (a read transaction too) keeps the database handles open.
  lmdb::check(guard.commit(), "cannot commit the opening transaction");
  return true;
}

void open_databases(MDB_env* env, const std::string& path, const NamedDatabase* databases,
                    std::size_t count, bool may_create) {
  // An existing store is opened in a read transaction, so that opening
  // never waits for (or holds) the writer lock.
  if (open_databases_in(env, path, databases, count, false)) return;
  if (!may_create) {
    throw StoreError("LMDB environment " + quoted(path) + " holds no voxfra store (its databases are missing)");
  }
  open_databases_in(env, path, databases, count, true);
}

// A database added after schema version 1 (an environment made before it
// lacks it): created by a writer, absent (false) for a reader.
bool open_later_database(MDB_env* env, const std::string& path, const char* name, bool may_create,
                         MDB_dbi* dbi) {
  for (bool write : {false, true}) {
    if (write && !may_create) return false;
    MDB_txn* txn = nullptr;
    lmdb::check(mdb_txn_begin(env, nullptr, write ? 0 : MDB_RDONLY, &txn), "cannot begin a transaction");
    lmdb::AbortGuard guard(txn);
    int rc = mdb_dbi_open(txn, name, write ? MDB_CREATE : 0, dbi);
    if (rc == MDB_NOTFOUND) continue;
    if (rc != 0) lmdb::fail(std::string("cannot open database \"") + name + "\" in " + quoted(path), rc);
    lmdb::check(guard.commit(), "cannot commit the opening transaction");
    return true;
  }
  return false;
}

// `txn_id`: the transaction's id, and `wrote` whether it changed anything
// (a batch of duplicates commits nothing, and syncs nothing).
int append_in_one_txn(MDB_env* env, MDB_dbi calls_db, MDB_dbi callidx, PendingCall* const* calls,
                      std::size_t count, UnixMillis now, std::int64_t window_ms, std::uint64_t& txn_id,
                      bool& wrote) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env, nullptr, 0, &txn);
  if (rc != 0) return rc;
  lmdb::AbortGuard guard(txn);
  txn_id = mdb_txn_id(txn);
  std::optional<std::uint64_t> next_sequence;
  for (std::size_t i = 0; i < count; ++i) {
    PendingCall& call = *calls[i];
    if (call.result == PendingCall::Result::failed) continue;
    // A duplicate earlier in this batch is found here too: the transaction
    // sees its own writes.
    std::optional<std::uint64_t> stored;
    rc = find_recent(txn, callidx, call.idempotency_key, now, window_ms, stored);
    if (rc != 0) return rc;
    if (stored) {
      call.result = PendingCall::Result::duplicate;
      call.sequence = *stored;
      continue;
    }
    if (!next_sequence) {
      std::uint64_t last = 0;
      rc = last_sequence(txn, calls_db, last);
      if (rc != 0) return rc;
      next_sequence = last + 1;
    }
    rc = append_one(txn, calls_db, callidx, call, *next_sequence, now);
    if (rc != 0) return rc;
    call.result = PendingCall::Result::stored;
    call.sequence = (*next_sequence)++;
    wrote = true;
  }
  return guard.commit();
}

int append_replicated_in_one_txn(MDB_env* env, MDB_dbi calls_db, MDB_dbi callidx, PendingCall* const* calls,
                                 std::size_t count, const std::function<void(MDB_txn*)>& in_txn) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env, nullptr, 0, &txn);
  if (rc != 0) return rc;
  lmdb::AbortGuard guard(txn);
  std::uint64_t last = 0;
  rc = last_sequence(txn, calls_db, last);
  if (rc != 0) return rc;
  for (std::size_t i = 0; i < count; ++i) {
    PendingCall& call = *calls[i];
    if (call.result == PendingCall::Result::failed) continue;
    // Any entry, however old: the stream holds each key once, so a key
    // indexed here is that call, stored here first or applied before.
    std::optional<call_index::Entry> indexed;
    rc = find_indexed(txn, callidx, call.idempotency_key, indexed);
    if (rc != 0) return rc;
    if (indexed) {
      call.result = PendingCall::Result::duplicate;
      call.sequence = indexed->sequence;
      continue;
    }
    rc = append_one(txn, calls_db, callidx, call, last + 1, call.received_at);
    if (rc != 0) return rc;
    call.result = PendingCall::Result::stored;
    call.sequence = ++last;
  }
  if (in_txn) in_txn(txn);
  return guard.commit();
}

}  // namespace

Store::Store(const StoreOptions& options) : path_(options.path), sync_commits_(options.sync_commits && !options.read_only) {
  const bool may_create = options.create && !options.read_only;
  if (may_create) make_directories(path_);
  const bool is_new = !file_exists(path_ + "/data.mdb");
  // Without `create`, a missing environment is an error, not a new empty one.
  if (is_new && !may_create) cannot_open(path_, ENOENT);

  int rc = mdb_env_create(&env_);
  if (rc != 0) cannot_open(path_, rc);
  try {
    rc = mdb_env_set_maxdbs(env_, kMaxDatabases);
    std::uint64_t map_size = options.map_size ? options.map_size : is_new ? kNewEnvironmentMapSize : 0;
    if (rc == 0 && map_size != 0) rc = mdb_env_set_mapsize(env_, map_size);
    if (rc == 0) rc = mdb_env_open(env_, path_.c_str(), environment_flags(options), 0600);
    if (rc != 0) cannot_open(path_, rc);
    refuse_missing_pages(env_, path_);
    // A process killed with a read transaction (a SIGKILLed worker) keeps
    // its reader slot until someone clears it; LMDB has 126, so a crash
    // loop would end in MDB_READERS_FULL. Each new worker clears them.
    int dead_readers = 0;
    mdb_reader_check(env_, &dead_readers);
    const NamedDatabase databases[] = {{"endpoints", &endpoints_}, {"calls", &calls_},
                                       {"callidx", &callidx_},     {"stats", &stats_},
                                       {"meta", &meta_}};
    // Databases missing from an existing environment are made by any writer.
    open_databases(env_, path_, databases, std::size(databases), !options.read_only);
    has_reqlog_ = open_later_database(env_, path_, "reqlog", !options.read_only, &reqlog_);
    if (!open_later_database(env_, path_, "tokens", !options.read_only, &tokens_)) tokens_ = 0;
    if (!open_later_database(env_, path_, "fleet", !options.read_only, &fleet_)) fleet_ = 0;
    if (!open_later_database(env_, path_, "audit", !options.read_only, &audit_)) audit_ = 0;
    if (!open_later_database(env_, path_, "apikeys", !options.read_only, &apikeys_)) apikeys_ = 0;
    if (!open_later_database(env_, path_, "fleet_outbox", !options.read_only, &outbox_)) outbox_ = 0;
  } catch (...) {
    mdb_env_close(env_);
    env_ = nullptr;
    throw;
  }
}

Store::~Store() {
  if (env_ != nullptr) mdb_env_close(env_);
}

void Store::append_calls(PendingCall* const* calls, std::size_t count, UnixMillis now,
                         std::int64_t window_ms) {
  if (count == 0) return;
  for (std::size_t i = 0; i < count; ++i) {
    calls[i]->result = PendingCall::Result::pending;
    calls[i]->sequence = 0;
    calls[i]->error = StoreStatus();
    if (!key_fits(env_, calls[i]->idempotency_key)) {
      calls[i]->result = PendingCall::Result::failed;
      calls[i]->error = StoreStatus::from_code(MDB_BAD_VALSIZE);
    }
  }
  int rc;
  std::uint64_t txn_id = 0;
  bool wrote = false;
  if (coverage_) coverage_->begin_commit();
  try {
    rc = append_in_one_txn(env_, calls_, callidx_, calls, count, now, window_ms, txn_id, wrote);
  } catch (const std::bad_alloc&) {
    rc = ENOMEM;
  } catch (...) {
    rc = EIO;
  }
  if (coverage_) {
    coverage_->end_commit(rc == 0 && wrote, txn_id);
    // Answered only once durable: a duplicate too, whose record may be
    // another worker's commit not yet covered.
    if (rc == 0 && hold_before_cover_.count() > 0) std::this_thread::sleep_for(hold_before_cover_);
    bool own_sync = false;
    if (rc == 0) rc = coverage_->cover(wrote ? txn_id : txn_id - 1, &own_sync);
    if (rc == 0) coverage_->count(own_sync);
  }
  if (rc == 0) return;
  // The transaction was aborted (nothing of this batch is in the store), or
  // its covering sync failed (then it may be: a retry answers duplicate).
  for (std::size_t i = 0; i < count; ++i) {
    calls[i]->result = PendingCall::Result::failed;
    calls[i]->sequence = 0;
    if (calls[i]->error.ok()) calls[i]->error = StoreStatus::from_code(rc);
  }
}

void Store::append_replicated(PendingCall* const* calls, std::size_t count,
                              const std::function<void(MDB_txn*)>& in_txn) {
  for (std::size_t i = 0; i < count; ++i) {
    calls[i]->result = key_fits(env_, calls[i]->idempotency_key) ? PendingCall::Result::pending
                                                                  : PendingCall::Result::failed;
    calls[i]->sequence = 0;
  }
  int rc = append_replicated_in_one_txn(env_, calls_, callidx_, calls, count, in_txn);
  if (rc != 0) lmdb::fail("cannot store the replicated calls", rc);
}

StoreStatus Store::add_stats(const std::pair<std::string, EndpointStats>* deltas, std::size_t count) {
  return StoreStatus::from_code(add_stats_code(deltas, count));
}

int Store::add_stats_code(const std::pair<std::string, EndpointStats>* deltas, std::size_t count) {
  try {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc != 0) return rc;
    lmdb::AbortGuard guard(txn);
    for (std::size_t i = 0; i < count; ++i) {
      const auto& [slug, delta] = deltas[i];
      if (!key_fits(env_, slug)) continue;
      MDB_val key = lmdb::val(slug), value;
      EndpointStats total;
      rc = mdb_get(txn, stats_, &key, &value);
      if (rc != 0 && rc != MDB_NOTFOUND) return rc;
      // Counters this build cannot read start again from zero rather than
      // stopping every later flush.
      if (rc == 0 && !decode_stats(lmdb::view(value), total)) total = EndpointStats{};
      total.add(delta);
      std::string encoded = encode_stats(total);
      value = lmdb::val(encoded);
      rc = mdb_put(txn, stats_, &key, &value, 0);
      if (rc != 0) return rc;
    }
    return guard.commit();
  } catch (const std::bad_alloc&) {
    return ENOMEM;
  } catch (...) {
    return EIO;
  }
}

StoreStatus Store::sync() { return StoreStatus::from_code(mdb_env_sync(env_, 1)); }

int Store::sync_through(std::uint64_t& through) {
  MDB_envinfo info;
  int rc = mdb_env_info(env_, &info);
  if (rc != 0) return rc;
  // Read from the newest meta page in the map: a commit whose meta page is
  // written already, so the sync below covers it.
  through = info.me_last_txnid;
  return mdb_env_sync(env_, 1);
}

StoreStatus Store::cover_commits() {
  if (!coverage_) return {};
  MDB_envinfo info;
  int rc = mdb_env_info(env_, &info);
  return StoreStatus::from_code(rc != 0 ? rc : coverage_->cover(info.me_last_txnid));
}

void Store::share_commit_coverage(CommitCoverage* shared, std::chrono::milliseconds hold) {
  if (shared == nullptr || !sync_commits_) return;
  hold_before_cover_ = hold;
  lmdb::check(mdb_env_set_flags(env_, MDB_NOMETASYNC, 1), "cannot defer the meta page's sync");
  coverage_ = std::make_unique<CoverageClient>(*shared, [this](std::uint64_t& through) { return sync_through(through); });
}

StoreStatus Store::sync_if_written(bool* synced) { return StoreStatus::from_code(sync_if_written_code(synced)); }

int Store::sync_if_written_code(bool* synced) {
  if (synced != nullptr) *synced = false;
  // The id of the newest commit, from the lock file every process shares;
  // read before the sync, so that a commit during the sync is synced next.
  MDB_envinfo info;
  int rc = mdb_env_info(env_, &info);
  if (rc != 0) return rc;
  if (info.me_last_txnid == synced_txnid_) return 0;
  rc = mdb_env_sync(env_, 1);
  if (rc != 0) return rc;
  synced_txnid_ = info.me_last_txnid;
  if (synced != nullptr) *synced = true;
  return 0;
}

std::uint32_t Store::schema_version(MDB_txn* txn) const {
  MDB_val key = lmdb::val(kSchemaKey), value;
  if (mdb_get(txn, meta_, &key, &value) != 0 || value.mv_size != 4) return 0;
  return bytes::get_u32le(static_cast<const char*>(value.mv_data));
}

void Store::grow_map(std::uint64_t size) {
  MDB_envinfo info;
  lmdb::check(mdb_env_info(env_, &info), "cannot read the map size");
  if (size <= info.me_mapsize) {
    throw StoreError("the map of " + quoted(path_) + " is already " + std::to_string(info.me_mapsize) +
                     " bytes; it can only grow (compact with mdb_copy -c to make the file smaller)");
  }
  lmdb::check(mdb_env_set_mapsize(env_, size), "cannot set the map size");
  // An empty transaction commits nothing, and the new size would stay in
  // this process: rewrite the schema version (the same bytes) so that the
  // commit writes the meta page, which carries the size to every process.
  MDB_txn* txn = nullptr;
  lmdb::check(mdb_txn_begin(env_, nullptr, 0, &txn), "cannot begin a write transaction");
  lmdb::AbortGuard guard(txn);
  char version[4];
  bytes::put_u32le(version, kSchemaVersion);
  MDB_val key = lmdb::val(kSchemaKey), value{sizeof version, version};
  lmdb::check(mdb_put(txn, meta_, &key, &value, 0), "cannot write the schema version");
  lmdb::check(guard.commit(), "cannot commit the new map size");
}

StoreStatus Store::adopt_map_size(bool& grew) { return StoreStatus::from_code(adopt_map_size_code(grew)); }

int Store::adopt_map_size_code(bool& grew) {
  grew = false;
  MDB_envinfo info;
  int rc = mdb_env_info(env_, &info);
  if (rc != 0) return rc;
  const std::size_t before = info.me_mapsize;
  rc = mdb_env_set_mapsize(env_, 0);  // 0: the size in the newest meta page
  if (rc != 0) return rc;
  rc = mdb_env_info(env_, &info);
  if (rc != 0) return rc;
  // The meta page may hold a smaller size than ours (size= in nginx.conf
  // larger than anything committed yet): keep ours.
  if (info.me_mapsize < before) return mdb_env_set_mapsize(env_, before);
  grew = info.me_mapsize > before;
  return 0;
}

StoreStatus StoreStatus::io_error() { return from_code(EIO); }
StoreStatus StoreStatus::busy() { return from_code(EAGAIN); }

StoreStatus::Kind StoreStatus::kind() const {
  switch (code_) {
    case 0: return Kind::ok;
    case MDB_MAP_FULL: return Kind::map_full;
    case MDB_MAP_RESIZED: return Kind::map_resized;
    case ENOSPC:
    case EDQUOT: return Kind::no_space;
    case EIO:
    case MDB_PANIC:
    case MDB_CORRUPTED: return Kind::io;
    case EAGAIN: return Kind::busy;
    default: return Kind::other;
  }
}

const char* StoreStatus::message() const { return mdb_strerror(code_); }

std::pair<std::uint64_t, std::uint64_t> Store::map_usage() const {
  MDB_envinfo info;
  MDB_stat stat;
  if (mdb_env_info(env_, &info) != 0 || mdb_env_stat(env_, &stat) != 0) return {0, 0};
  return {(static_cast<std::uint64_t>(info.me_last_pgno) + 1) * stat.ms_psize, info.me_mapsize};
}

}  // namespace voxfra
