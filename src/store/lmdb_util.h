// Small bridges between LMDB's C interface and ours. Private to src/store.
#pragma once
#include <lmdb.h>

#include <string>
#include <string_view>

#include "store/store.h"

namespace voxfra::lmdb {

inline MDB_val val(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

inline std::string_view view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// "<what>: <LMDB's words for rc>", carrying rc so callers can tell MDB_MAP_FULL.
[[noreturn]] inline void fail(const std::string& what, int rc) {
  throw StoreError(what + ": " + mdb_strerror(rc), rc);
}

inline void check(int rc, const char* what) {
  if (rc != 0) fail(what, rc);
}

// Aborts the transaction unless it was handed on (committed or kept).
class AbortGuard {
 public:
  explicit AbortGuard(MDB_txn* txn) : txn_(txn) {}
  ~AbortGuard() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  AbortGuard(const AbortGuard&) = delete;
  AbortGuard& operator=(const AbortGuard&) = delete;
  // Commits; the transaction is gone either way.
  int commit() {
    MDB_txn* txn = txn_;
    txn_ = nullptr;
    return mdb_txn_commit(txn);
  }

 private:
  MDB_txn* txn_;
};

}  // namespace voxfra::lmdb
