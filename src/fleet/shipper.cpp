#include "fleet/shipper.h"

#include <algorithm>

#include "fleet/fleet_names.h"
#include "fleet/nats_client.h"
#include "store/bytes.h"
#include "store/fleet_state.h"
#include "store/lmdb_util.h"

namespace voxfra::fleet {

Shipper::Shipper(Store& store, NatsConnection& nats, std::string node, std::size_t batch, std::int64_t ack_wait_ms)
    : store_(store), nats_(nats), node_(std::move(node)), batch_(std::max<std::size_t>(batch, 1)),
      ack_wait_ms_(ack_wait_ms) {
  jsOptions o;
  jsOptions_Init(&o);
  o.PublishAsync.AckHandler = &Shipper::on_ack;
  o.PublishAsync.AckHandlerClosure = this;
  o.PublishAsync.MaxPending = static_cast<int64_t>(batch_);
  o.Wait = ack_wait_ms_;
  js_ = nats_.jetstream(&o);
}

Shipper::~Shipper() = default;

void Shipper::read_batch() {
  std::vector<Outgoing> batch;
  MDB_txn* txn = nullptr;
  lmdb::check(mdb_txn_begin(store_.env(), nullptr, MDB_RDONLY, &txn), "cannot begin a read transaction");
  lmdb::AbortGuard guard(txn);
  std::uint64_t cursor = shipped_cursor(txn, store_).value_or(0);
  MDB_cursor* c = nullptr;
  lmdb::check(mdb_cursor_open(txn, store_.calls_dbi(), &c), "cannot open a cursor");
  char start[8];
  bytes::put_u64be(start, cursor + 1);
  MDB_val k{8, start}, v;
  int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
  while (rc == 0 && batch.size() < batch_) {
    if (k.mv_size != 8) break;  // sequence keys are all 8 bytes
    StoredCall call;
    if (decode_stored_call(lmdb::view(v), call)) {
      call.sequence = bytes::get_u64be(static_cast<const char*>(k.mv_data));
      const std::string key = idempotency_key_of(call);
      if (is_replicated(txn, store_, key, call.sequence)) {
        // Another node's call, applied from the stream: it is there.
        Outgoing o{call.sequence, {}, {}, {}};
        o.ack = Outgoing::Ack::duplicate;
        batch.push_back(std::move(o));
      } else {
        Outgoing o{call.sequence, {}, key_hash(key), std::string(call.json)};
        o.subject = call_subject(call.org, o.hash);
        batch.push_back(std::move(o));
      }
    } else {
      // A record this build cannot read: passed over as shipped (its
      // sequence rides on the next acknowledged one, or alone below).
      Outgoing o{bytes::get_u64be(static_cast<const char*>(k.mv_data)), {}, {}, {}};
      o.ack = Outgoing::Ack::duplicate;
      batch.push_back(std::move(o));
    }
    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(c);
  if (rc != 0 && rc != MDB_NOTFOUND) lmdb::fail("cannot read the calls", rc);
  std::lock_guard lock(mutex_);  // a late ack of the last round may be looking
  out_.swap(batch);
}

void Shipper::on_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* self) {
  static_cast<Shipper*>(self)->acknowledge(msg, pa, pae);
  natsMsg_Destroy(msg);  // with an AckHandler the message is ours to destroy
}

void Shipper::acknowledge(natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae) {
  const char* id = nullptr;
  if (msg == nullptr || natsMsgHeader_Get(msg, kRecordIdHeader, &id) != NATS_OK || id == nullptr) return;
  auto sequence = parse_record_id(id);
  if (!sequence) return;
  std::lock_guard lock(mutex_);
  auto it = std::lower_bound(out_.begin(), out_.end(), *sequence,
                             [](const Outgoing& o, std::uint64_t s) { return o.sequence < s; });
  if (it == out_.end() || it->sequence != *sequence || it->ack != Outgoing::Ack::waiting) return;
  if (pa != nullptr) {
    it->ack = pa->Duplicate ? Outgoing::Ack::duplicate : Outgoing::Ack::stored;
  } else if (pae != nullptr && pae->ErrCode == JSStreamWrongLastSequenceErr) {
    it->ack = Outgoing::Ack::duplicate;  // its subject has a message: the key is in the stream
  } else {
    it->ack = Outgoing::Ack::failed;
    if (first_failure_.empty()) {
      first_failure_ = pae != nullptr && pae->ErrText != nullptr ? pae->ErrText : "no acknowledgement";
    }
  }
  if (pending_ > 0 && --pending_ == 0) acked_.notify_all();
}

void Shipper::publish_batch(ShipRound& r) {
  {
    std::lock_guard lock(mutex_);
    first_failure_.clear();
    pending_ = 0;
    for (const Outgoing& o : out_) pending_ += o.ack == Outgoing::Ack::waiting;
  }
  for (Outgoing& o : out_) {
    if (o.ack != Outgoing::Ack::waiting) continue;
    natsMsg* msg = nullptr;
    char id[17] = {0};
    record_id(o.sequence, id);
    natsStatus st = natsMsg_Create(&msg, o.subject.c_str(), nullptr, o.json.data(), static_cast<int>(o.json.size()));
    if (st == NATS_OK) st = natsMsgHeader_Set(msg, kNodeHeader, node_.c_str());
    if (st == NATS_OK) st = natsMsgHeader_Set(msg, kRecordIdHeader, id);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = o.hash.c_str();
    po.ExpectNoMessage = true;
    po.MaxWait = ack_wait_ms_;  // without it a lost ack is never reported
    if (st == NATS_OK) st = js_PublishMsgAsync(js_, &msg, &po);
    if (st != NATS_OK) {
      natsMsg_Destroy(msg);  // still ours when the publish did not take it
      std::lock_guard lock(mutex_);
      o.ack = Outgoing::Ack::failed;
      if (first_failure_.empty()) first_failure_ = last_error_text(st);
      if (pending_ > 0) --pending_;
    }
  }
  // Every message has MaxWait, so every one is answered within it: by an
  // ack, an error, or libnats' timeout.
  std::unique_lock lock(mutex_);
  acked_.wait_for(lock, std::chrono::milliseconds(2 * ack_wait_ms_ + 1000), [this] { return pending_ == 0; });
  if (pending_ != 0) {
    // Not answered in time: count them failed; a late answer is ignored.
    for (Outgoing& o : out_) {
      if (o.ack == Outgoing::Ack::waiting) o.ack = Outgoing::Ack::failed;
    }
    if (first_failure_.empty()) first_failure_ = "no acknowledgement in time";
    pending_ = 0;
  }
  r.failure = first_failure_;
}

void Shipper::advance(ShipRound& r) {
  std::uint64_t through = 0;
  {
    std::lock_guard lock(mutex_);
    for (const Outgoing& o : out_) {
      if (o.ack != Outgoing::Ack::stored && o.ack != Outgoing::Ack::duplicate) {
        r.failed = true;
        break;
      }
      through = o.sequence;
      ++r.shipped;
      r.duplicates += o.ack == Outgoing::Ack::duplicate;
    }
    // Drop the batch under the lock: a late ack must find nothing to mark.
    out_.clear();
  }
  if (r.shipped == 0) {
    return;
  }
  MDB_txn* txn = nullptr;
  lmdb::check(mdb_txn_begin(store_.env(), nullptr, 0, &txn), "cannot begin a write transaction");
  lmdb::AbortGuard guard(txn);
  // The cursor only moves forward (a second daemon on the same store, by
  // mistake, must not move it back).
  std::uint64_t current = shipped_cursor(txn, store_).value_or(0);
  if (through > current) fleet_put_u64(txn, store_, fleet_key::shipped, through);
  fleet_put_u64(txn, store_, fleet_key::last_ack, static_cast<std::uint64_t>(now_millis()));
  lmdb::check(guard.commit(), "cannot save the shipped cursor");
  r.cursor = std::max(through, current);
}

ShipRound Shipper::round() {
  ShipRound r;
  read_batch();
  r.read = out_.size();
  if (out_.empty()) return r;
  publish_batch(r);
  advance(r);
  return r;
}

}  // namespace voxfra::fleet
