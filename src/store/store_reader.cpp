// Reading: the worker's renewable read transaction, and the CLI's RAII one.
#include "store/lmdb_util.h"
#include "store/store.h"

namespace voxfra {

StoreReader::StoreReader(Store& store) : store_(store) {
  lmdb::check(mdb_txn_begin(store_.env(), nullptr, MDB_RDONLY, &txn_), "cannot begin a read transaction");
  // Reset at once: an idle worker must not pin an old snapshot, which would
  // keep LMDB from reusing pages and make the file grow.
  mdb_txn_reset(txn_);
}

StoreReader::~StoreReader() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
}

void StoreReader::renew() {
  lmdb::check(mdb_txn_renew(txn_), "cannot renew the read transaction");
  active_ = true;
}

bool StoreReader::find_endpoint(std::string_view slug, EndpointView& out) {
  if (!active_) renew();
  // LMDB rejects empty and over-long keys with an error; neither can name an endpoint.
  if (slug.empty() || slug.size() > static_cast<std::size_t>(mdb_env_get_maxkeysize(store_.env()))) {
    return false;
  }
  MDB_val key = lmdb::val(slug), value;
  int rc = mdb_get(txn_, store_.endpoints_dbi(), &key, &value);
  if (rc == MDB_NOTFOUND) return false;
  lmdb::check(rc, "cannot read an endpoint");
  return decode_endpoint_view(lmdb::view(value), out);
}

MDB_txn* StoreReader::txn() {
  if (!active_) renew();
  return txn_;
}

void StoreReader::release() {
  if (!active_) return;
  mdb_txn_reset(txn_);
  active_ = false;
}

Txn::Txn(Store& store, bool write) {
  lmdb::check(mdb_txn_begin(store.env(), nullptr, write ? 0 : MDB_RDONLY, &txn_),
              write ? "cannot begin a write transaction" : "cannot begin a read transaction");
}

Txn::~Txn() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
}

void Txn::commit() {
  MDB_txn* txn = txn_;
  txn_ = nullptr;  // gone after mdb_txn_commit, whatever it returns
  lmdb::check(mdb_txn_commit(txn), "cannot commit");
}

void Txn::renew() {
  mdb_txn_reset(txn_);
  lmdb::check(mdb_txn_renew(txn_), "cannot renew a read transaction");
}

std::optional<std::string_view> Txn::get(MDB_dbi dbi, std::string_view key) {
  MDB_val k = lmdb::val(key), v;
  int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  lmdb::check(rc, "cannot read");
  return lmdb::view(v);
}

void Txn::put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = lmdb::val(key), v = lmdb::val(value);
  lmdb::check(mdb_put(txn_, dbi, &k, &v, flags), "cannot write");
}

bool Txn::del(MDB_dbi dbi, std::string_view key) {
  MDB_val k = lmdb::val(key);
  int rc = mdb_del(txn_, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  lmdb::check(rc, "cannot delete");
  return true;
}

}  // namespace voxfra
