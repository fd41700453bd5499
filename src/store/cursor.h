// Walking a database front to back or back to front, for listings (the
// CLI's and the Management API's).
#pragma once
#include <lmdb.h>

#include <string>
#include <string_view>

#include "store/store.h"

namespace voxfra {

class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi) {
    int rc = mdb_cursor_open(txn, dbi, &cursor_);
    if (rc != 0) throw StoreError(std::string("cannot open a cursor: ") + mdb_strerror(rc), rc);
  }
  Cursor(Txn& txn, MDB_dbi dbi) : Cursor(txn.get(), dbi) {}
  ~Cursor() { mdb_cursor_close(cursor_); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // Each moves and returns false at the end: first()/next() go forward,
  // last()/prev() backward.
  bool first() { return move(MDB_FIRST); }
  bool next() { return move(MDB_NEXT); }
  bool last() { return move(MDB_LAST); }
  bool prev() { return move(MDB_PREV); }
  // The first key at or after `key`.
  bool seek(std::string_view key) {
    key_.mv_data = const_cast<char*>(key.data());
    key_.mv_size = key.size();
    return move(MDB_SET_RANGE);
  }
  // The last key before `key`.
  bool seek_below(std::string_view key) { return seek(key) ? prev() : last(); }

  std::string_view key() const { return {static_cast<const char*>(key_.mv_data), key_.mv_size}; }
  std::string_view value() const { return {static_cast<const char*>(value_.mv_data), value_.mv_size}; }

 private:
  bool move(MDB_cursor_op op) {
    int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) throw StoreError(std::string("cannot read: ") + mdb_strerror(rc), rc);
    return true;
  }

  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{}, value_{};
};

}  // namespace voxfra
