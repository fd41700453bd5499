// The LMDB environment (docs/design.md, "Storage"): one directory holding the
// named databases
//   endpoints  slug -> endpoint record (store/endpoint.h)
//   calls      u64 big-endian sequence -> stored call (StoredCall, below)
//   callidx    idempotency key -> u64 sequence, i64 stored-at ms[, u64 the
//              storing node's sequence] (store/call_index.h)
//   stats      endpoint slug -> counters (base/endpoint_stats.h, encode_stats below)
//   meta       "schema" -> u32 schema version
//   reqlog     endpoint id, time -> request history entry (store/request_log.h);
//              made by the first writer that opens an older environment
//   tokens     Management API token id -> token record (store/api_token.h);
//              made by any writer when missing, empty to an older
//              environment opened read-only
//   fleet      what voxfra-fleet keeps of a fleet node: its name, the
//              shipped cursor, the mirror's revisions (store/fleet_state.h);
//              made like `tokens`
//   audit      u64 big-endian sequence -> who changed which endpoint how
//              (store/audit_log.h); made like `tokens`
//   apikeys    token id, Idempotency-Key -> the Management API's answer to a
//              create or replace (store/api_keys.h); made like `tokens`
//   fleet_outbox u64 big-endian id -> a Management API change on a fleet
//              node, for voxfra-fleet to make, and its answer
//              (store/fleet_outbox.h); made like `tokens`
// The module opens one Store per worker after fork; the CLI opens one per
// command. Nothing here knows of NGINX.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/endpoint_stats.h"
#include "base/outcome.h"
#include "base/provider.h"
#include "store/commit_coverage.h"
#include "store/endpoint.h"
#include "store/lmdb_fwd.h"
#include "store/store_status.h"
#include "util/time.h"

namespace voxfra {

struct RequestLogEntry;

inline constexpr std::uint32_t kSchemaVersion = 1;

class StoreError : public std::runtime_error {
 public:
  StoreError(const std::string& what, int code = 0) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }  // the LMDB or errno code, 0 if none
  StoreStatus status() const { return StoreStatus::from_code(code_); }
  bool map_full() const { return status().kind() == StoreStatus::Kind::map_full; }

 private:
  int code_;
};

struct StoreOptions {
  std::string path;                  // the environment directory
  std::uint64_t map_size = 0;        // bytes; 0 keeps the size the environment has (4 GiB when new)
  bool sync_commits = true;          // false: MDB_NOSYNC, the caller syncs (durability=os)
  bool create = true;                // create the directory (0700) and databases if missing
  bool read_only = false;
  bool no_tls = true;                // MDB_NOTLS: read transactions not tied to a thread
};

// An endpoint's counters as stored. In `stats` the value is: u8 version(1),
// u8 reason count, then i64 last_used_at, u64 requests, accepted, duplicate,
// ignored, rejected, then one u64 per Reason (little-endian).
std::string encode_stats(const EndpointStats& s);
bool decode_stats(std::string_view bytes, EndpointStats& out);
class Store;
// The endpoint's counters as last flushed; all zero when it was never used
// (or its counters cannot be read by this version).
EndpointStats read_endpoint_stats(MDB_txn* txn, const Store& store, std::string_view slug);

// A call waiting to be stored, and then the result of storing it. Inputs are
// views the caller keeps alive until append_calls returns.
struct PendingCall {
  std::string_view idempotency_key;  // make_idempotency_key(...)
  std::string_view record_json;      // the record object without "id", starting with '{'
  Provider provider = Provider::custom;
  UnixMillis received_at = 0;
  std::string_view org;
  std::string_view client;
  std::string_view call_id;
  std::string_view event;
  // A call another node stored, applied from the fleet's stream: the
  // sequence it has there, which a duplicate is answered with. 0: ours.
  std::uint64_t replicated_sequence = 0;

  enum class Result : std::uint8_t { pending, stored, duplicate, failed };
  Result result = Result::pending;
  std::uint64_t sequence = 0;  // stored: the new record; duplicate: the one stored before
  StoreStatus error;           // failed: why
};

// org \0 client \0 provider \0 call id \0 event, appended to `out`; false
// (and nothing appended) when a field cannot be part of a key
// (store/key_fields.h): a key it builds is unambiguous and fits LMDB.
bool make_idempotency_key(std::string& out, std::string_view org, std::string_view client,
                          Provider provider, std::string_view call_id, std::string_view event);
// The same without the checks: for finding keys written before the fields
// were checked (a prune deletes what is there).
void append_idempotency_key_unchecked(std::string& out, std::string_view org, std::string_view client,
                                      Provider provider, std::string_view call_id, std::string_view event);

// Record ids are the sequence as 16 lowercase hex digits.
std::string record_id(std::uint64_t sequence);
void record_id(std::uint64_t sequence, char out[16]);
std::optional<std::uint64_t> parse_record_id(std::string_view id);

class Store {
 public:
  explicit Store(const StoreOptions& options);  // throws StoreError
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  MDB_env* env() const { return env_; }
  const std::string& path() const { return path_; }

  // Writes `calls` in one write transaction (group commit). Each call whose
  // idempotency key was stored less than `window_ms` before `now` becomes a
  // duplicate (also within the batch); the others are appended with
  // MDB_APPEND under the next sequence numbers, the stored value being
  // {"id":"<record id>",<rest of record_json>. On any LMDB failure nothing is
  // written and every call is `failed` with the code. Thread-safe with
  // respect to other writers (LMDB serializes them); never throws.
  void append_calls(PendingCall* const* calls, std::size_t count, UnixMillis now,
                    std::int64_t window_ms);

  // Appends calls other nodes stored, from the fleet's stream (docs/fleet.md),
  // in one write transaction: a call whose key the index holds at all
  // becomes `duplicate` (sequence: the record here) and is not stored
  // again; each other one is appended under the next sequence, indexed as
  // stored at its received_at and answered with its replicated_sequence.
  // A call whose key does not fit is `failed` alone. `in_txn` runs in the
  // same transaction before the commit (the replica's cursor). Throws
  // StoreError, and then nothing was written.
  void append_replicated(PendingCall* const* calls, std::size_t count,
                         const std::function<void(MDB_txn*)>& in_txn);

  // Adds counter deltas (slug, delta) in one write transaction. Never throws.
  StoreStatus add_stats(const std::pair<std::string, EndpointStats>* deltas, std::size_t count);

  // Adds request history entries (in the order they happened) in one write
  // transaction and keeps only the newest `keep_per_endpoint` of each
  // endpoint, so that the history never grows past that bound however many
  // requests arrive. Never throws.
  StoreStatus append_request_log(const RequestLogEntry* entries, std::size_t count, std::size_t keep_per_endpoint);

  // durability=fsync, one sync a commit (store/commit_coverage.h): commits
  // defer their meta page's sync, and append_calls returns once a later
  // sync (another committer's or its own) covered its commit. `shared` is
  // the node's committers' CommitCoverage; it must outlive the Store. Does
  // nothing with durability=os or a null `shared`. Throws StoreError.
  // `hold`: tests only (t/20), a pause between a commit and its covering
  // sync, so that a kill can land there.
  void share_commit_coverage(CommitCoverage* shared, std::chrono::milliseconds hold = {});

  // Returns once every commit made so far is durable: at once without
  // shared coverage (commits then sync themselves, or durability=os).
  StoreStatus cover_commits();

  // Flushes the OS buffers to disk (durability=os).
  StoreStatus sync();
  // The same, unless no transaction (of any process) was committed since
  // the last sync this Store made: durability=os syncs on a timer, and an
  // idle server should not fsync ten times a second for nothing. `synced`
  // tells which it was. Call from one thread at a time.
  StoreStatus sync_if_written(bool* synced = nullptr);

  // Map used and size, in bytes.
  std::pair<std::uint64_t, std::uint64_t> map_usage() const;

  // Growing the map while NGINX runs (`voxfra store resize`). LMDB keeps
  // the size in the environment's meta page, raised by any committing
  // process whose own map is larger; a process that opened the environment
  // with a smaller map keeps it until it calls mdb_env_set_mapsize(env, 0).
  //
  // grow_map: sets this process's map to `size` bytes and commits a write
  // transaction so that the size reaches the meta page (LMDB persists it
  // only on a commit that writes something). Throws StoreError; refuses to
  // shrink. Call with no transaction of this Store open.
  void grow_map(std::uint64_t size);
  // adopt_map_size: takes the size in the meta page when it is larger than
  // this process's map (never shrinks it). LMDB's rule: no transaction of
  // this process may be open, a reset read transaction excepted; the caller
  // ensures it (the worker: its reader reset, no pool task running). `grew`
  // says whether the map is now larger. After a failure the environment has
  // no usable map and must be closed.
  StoreStatus adopt_map_size(bool& grew);

  MDB_dbi endpoints_dbi() const { return endpoints_; }
  MDB_dbi calls_dbi() const { return calls_; }
  MDB_dbi callidx_dbi() const { return callidx_; }
  MDB_dbi stats_dbi() const { return stats_; }
  MDB_dbi meta_dbi() const { return meta_; }
  // Absent only when a read-only store opens an environment no writer of
  // this version has opened yet.
  bool has_request_log() const { return has_reqlog_; }
  MDB_dbi reqlog_dbi() const { return reqlog_; }
  // 0 when the environment was opened read-only and has none yet.
  MDB_dbi tokens_dbi() const { return tokens_; }
  // 0 when the environment was opened read-only and has none yet.
  MDB_dbi fleet_dbi() const { return fleet_; }
  // 0 when the environment was opened read-only and has none yet.
  MDB_dbi audit_dbi() const { return audit_; }
  MDB_dbi apikeys_dbi() const { return apikeys_; }
  MDB_dbi outbox_dbi() const { return outbox_; }

  // The schema version the environment records; 0 when unreadable.
  std::uint32_t schema_version(MDB_txn* txn) const;

 private:
  // The same, with LMDB's or errno's code.
  int add_stats_code(const std::pair<std::string, EndpointStats>* deltas, std::size_t count);
  int append_request_log_code(const RequestLogEntry* entries, std::size_t count, std::size_t keep_per_endpoint);
  int sync_if_written_code(bool* synced);
  int sync_through(std::uint64_t& through);
  int adopt_map_size_code(bool& grew);

  MDB_env* env_ = nullptr;
  std::string path_;
  MDB_dbi endpoints_ = 0, calls_ = 0, callidx_ = 0, stats_ = 0, meta_ = 0, reqlog_ = 0, tokens_ = 0, fleet_ = 0;
  MDB_dbi audit_ = 0, apikeys_ = 0, outbox_ = 0;
  bool has_reqlog_ = false;
  std::uint64_t synced_txnid_ = 0;  // the last transaction sync_if_written saw on disk
  bool sync_commits_ = true;
  std::unique_ptr<CoverageClient> coverage_;  // set by share_commit_coverage
  std::chrono::milliseconds hold_before_cover_{0};
};

// One read transaction per worker, reset after each request and renewed at
// the next: reads see the newest commit and copy nothing out of the map.
class StoreReader {
 public:
  explicit StoreReader(Store& store);  // throws StoreError
  ~StoreReader();

  // Finds the endpoint for `slug`; the view stays valid until release().
  // false when there is none (or its record cannot be read).
  bool find_endpoint(std::string_view slug, EndpointView& out);
  // The read transaction, renewed if it was reset; valid until release().
  MDB_txn* txn();
  Store& store() const { return store_; }
  void release();

 private:
  void renew();
  Store& store_;
  MDB_txn* txn_ = nullptr;
  bool active_ = false;
};

// RAII transaction for the CLI.
class Txn {
 public:
  Txn(Store& store, bool write);  // throws StoreError
  ~Txn();                         // aborts unless committed
  void commit();                  // throws StoreError
  // A read transaction only: resets it and renews it, so that it sees the
  // newest commit without a new begin (a follower polling `calls`). Views
  // read before are invalid afterwards. Throws StoreError.
  void renew();
  MDB_txn* get() const { return txn_; }

  std::optional<std::string_view> get(MDB_dbi dbi, std::string_view key);
  void put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
  bool del(MDB_dbi dbi, std::string_view key);

 private:
  MDB_txn* txn_ = nullptr;
};

// A call as stored in `calls`: a small header (so that listings filter
// without parsing JSON) followed by the record JSON.
//   u8 version(1), u8 provider, i64 received_at, u16 org len, org,
//   u16 client len, client, u16 call id len, call id, u16 event len, event,
//   then the JSON to the end.
struct StoredCall {
  std::uint64_t sequence = 0;
  Provider provider = Provider::custom;
  UnixMillis received_at = 0;
  std::string_view org, client, call_id, event;
  std::string_view json;  // with "id"
};
// The encoded size of `call` once its id is prepended.
std::size_t stored_call_size(const PendingCall& call);
// Writes the stored form of `call` with sequence `seq` into `out` (exactly stored_call_size bytes).
void encode_stored_call(const PendingCall& call, std::uint64_t seq, char* out);
bool decode_stored_call(std::string_view bytes, StoredCall& out);
// A stored record's JSON without its leading "id" member, as append_calls
// takes it: a call copied from another node's store gets this node's id.
// nullopt when `json` does not start with one.
std::optional<std::string> record_without_id(std::string_view json);

}  // namespace voxfra
