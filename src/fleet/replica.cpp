#include "fleet/replica.h"

#include <simdjson.h>

#include <chrono>
#include <thread>

#include "fleet/daemon_log.h"
#include "fleet/fleet_names.h"
#include "fleet/jetstream_setup.h"
#include "fleet/nats_client.h"
#include "store/fleet_state.h"
#include "store/lmdb_util.h"

namespace voxfra::fleet {

namespace {

// A partial batch waits this long for more messages: short, since a
// provider's retry on another node is answered from what arrived.
constexpr std::int64_t kGatherMs = 10;
constexpr std::int64_t kIdleWaitMs = 250;
// No message for this long while the stream holds more than the cursor: the
// consumer stalled (an ordered consumer can, after a server failure).
constexpr auto kStallCheck = std::chrono::seconds(5);
constexpr auto kMinBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);

void pause(const std::atomic<bool>& stop, std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

std::string_view header(natsMsg* msg, const char* name) {
  const char* v = nullptr;
  if (natsMsgHeader_Get(msg, name, &v) != NATS_OK || v == nullptr) return {};
  return v;
}

// One message as a call to append: the fields of its idempotency key, read
// from the record JSON (the stream carries nothing else), and the JSON
// without the storing node's id.
struct Incoming {
  std::string key, org, client, call_id, event, record_json;
  PendingCall call;
};

bool read_record(simdjson::dom::parser& parser, natsMsg* msg, Incoming& in) {
  std::string_view data(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  auto json = record_without_id(data);
  auto origin = parse_record_id(header(msg, kRecordIdHeader));
  if (!json || !origin) return false;
  simdjson::dom::element record;
  if (parser.parse(data.data(), data.size()).get(record) != simdjson::SUCCESS) return false;
  auto text = [&](const char* name, std::string& out) {
    std::string_view v;
    if (record[name].get(v) == simdjson::SUCCESS) out.assign(v);
  };
  std::string provider_name, received_at;
  text("provider", provider_name);
  text("receivedAt", received_at);
  text("org", in.org);
  text("client", in.client);
  text("callId", in.call_id);
  text("event", in.event);
  auto provider = provider_from_name(provider_name);
  auto at = parse_iso8601(received_at);
  if (!provider || !at) return false;
  in.record_json = std::move(*json);
  append_idempotency_key_unchecked(in.key, in.org, in.client, *provider, in.call_id, in.event);
  in.call.idempotency_key = in.key;
  in.call.record_json = in.record_json;
  in.call.provider = *provider;
  in.call.received_at = *at;
  in.call.org = in.org;
  in.call.client = in.client;
  in.call.call_id = in.call_id;
  in.call.event = in.event;
  in.call.replicated_sequence = *origin;
  return true;
}

}  // namespace

Replica::Replica(Store& store, NatsConnection& nats, DaemonLog& log, std::size_t batch)
    : store_(store), nats_(nats), log_(log), batch_(std::max<std::size_t>(batch, 1)) {}

Replica::~Replica() { unsubscribe(); }

void Replica::unsubscribe() {
  if (sub_ != nullptr) natsSubscription_Destroy(sub_);
  sub_ = nullptr;
}

void Replica::subscribe() {
  unsubscribe();
  {
    Txn txn(store_, false);
    through_ = fleet_get_u64(txn.get(), store_, fleet_key::replica_through).value_or(0);
  }
  if (js_ == nullptr) js_ = nats_.jetstream();
  jsCtx* js = js_;
  StreamSummary stream = calls_stream_summary(js);
  std::uint64_t start = through_ + 1;
  if (stream.last_seq < through_) {
    log_.warn("replica: the stream ends at " + std::to_string(stream.last_seq) + ", before the cursor " +
              std::to_string(through_) + " (a new stream?); reading it from its start");
    start = 1;
  } else if (stream.first_seq > start && stream.messages > 0) {
    log_.warn("replica: the stream no longer holds messages " + std::to_string(start) + " to " +
              std::to_string(stream.first_seq - 1) + " (past its retention); this node lacks those calls");
  }
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Ordered = true;
  so.Stream = kCallsStream;
  so.Config.Heartbeat = 1'000'000'000;  // ns: a stalled consumer is noticed and recreated within seconds
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = start;
  jsErrCode code = static_cast<jsErrCode>(0);
  check(js_SubscribeSync(&sub_, js, kCallsSubjects, nullptr, &so, &code), "cannot read the stream", code);
}

ReplicaBatch Replica::apply(std::vector<natsMsg*>& messages) {
  ReplicaBatch r;
  r.messages = messages.size();
  std::vector<Incoming> incoming(messages.size());
  std::vector<PendingCall*> calls;
  calls.reserve(messages.size());
  simdjson::dom::parser parser;
  std::uint64_t last_seq = 0, pending = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, messages[i]) == NATS_OK) {
      last_seq = std::max<std::uint64_t>(last_seq, meta->Sequence.Stream);
      pending = meta->NumPending;
      jsMsgMetaData_Destroy(meta);
    }
    if (read_record(parser, messages[i], incoming[i])) {
      calls.push_back(&incoming[i].call);
    } else {
      ++r.unreadable;
    }
    natsMsg_Destroy(messages[i]);
  }
  messages.clear();
  store_.append_replicated(calls.data(), calls.size(), [&](MDB_txn* txn) {
    // Forward only: a batch re-read after a resubscribe must not move it back.
    std::uint64_t current = fleet_get_u64(txn, store_, fleet_key::replica_through).value_or(0);
    if (last_seq > current) fleet_put_u64(txn, store_, fleet_key::replica_through, last_seq);
    fleet_put_u64(txn, store_, fleet_key::replica_pending, pending);
    fleet_put_u64(txn, store_, fleet_key::replica_applied_at, static_cast<std::uint64_t>(now_millis()));
    r.through = std::max(last_seq, current);
  });
  r.pending = pending;
  for (PendingCall* c : calls) r.stored += c->result == PendingCall::Result::stored;
  through_ = r.through;
  return r;
}

void Replica::run(const std::atomic<bool>& stop, const std::atomic<std::uint64_t>& link_generation) {
  std::vector<natsMsg*> batch;
  std::uint64_t generation = link_generation.load();
  auto backoff = kMinBackoff;
  auto last_message = std::chrono::steady_clock::now();
  bool failing = false, caught_up = false;
  std::size_t unreadable = 0, stored = 0;
  auto flush = [&] {
    if (batch.empty()) return;
    ReplicaBatch r = apply(batch);
    if (r.unreadable > 0 && unreadable == 0) {
      log_.warn("replica: passed over a stream message that is not a call record this version reads");
    }
    unreadable += r.unreadable;
    stored += r.stored;
    if (r.pending == 0 && !caught_up) {
      log_.info("replica: caught up at stream sequence " + std::to_string(r.through) + ", " + std::to_string(stored) +
                " record" + (stored == 1 ? "" : "s") + " applied");
      caught_up = true;
      stored = 0;
    } else if (r.pending > batch_) {
      caught_up = false;  // a backlog: say when it is applied
    }
  };
  while (!stop) {
    try {
      if (!nats_.connected()) {
        flush();
        pause(stop, std::chrono::milliseconds(50));
        continue;
      }
      if (sub_ == nullptr || generation != link_generation.load()) {
        flush();
        generation = link_generation.load();
        subscribe();
        last_message = std::chrono::steady_clock::now();
        if (failing) log_.info("replica: reading the stream again from " + std::to_string(through_ + 1));
        failing = false;
        caught_up = false;
        backoff = kMinBackoff;
      }
      natsMsg* msg = nullptr;
      natsStatus st = natsSubscription_NextMsg(&msg, sub_, batch.empty() ? kIdleWaitMs : kGatherMs);
      if (st == NATS_OK) {
        batch.push_back(msg);
        last_message = std::chrono::steady_clock::now();
        if (batch.size() >= batch_) flush();
        continue;
      }
      flush();
      if (st != NATS_TIMEOUT) throw NatsError("reading the stream: " + last_error_text(st), st);
      if (std::chrono::steady_clock::now() - last_message < kStallCheck) continue;
      // Idle for a while: caught up, or stalled.
      last_message = std::chrono::steady_clock::now();
      StreamSummary stream = calls_stream_summary(js_);
      if (stream.last_seq > through_) {
        log_.warn("replica: no message for " + std::to_string(kStallCheck.count()) + " s while the stream holds " +
                  std::to_string(stream.last_seq - through_) + " more; reading again from the cursor");
        unsubscribe();
      } else if (!caught_up) {
        log_.info("replica: caught up at stream sequence " + std::to_string(through_) + ", " + std::to_string(stored) +
                  " record" + (stored == 1 ? "" : "s") + " applied");
        caught_up = true;
        stored = 0;
      }
    } catch (const std::exception& e) {
      for (natsMsg* m : batch) natsMsg_Destroy(m);
      batch.clear();
      unsubscribe();
      if (!failing) log_.warn(std::string("replica: ") + e.what() + "; retrying");
      failing = true;
      caught_up = false;
      pause(stop, backoff);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }
  for (natsMsg* m : batch) natsMsg_Destroy(m);
  unsubscribe();
}

}  // namespace voxfra::fleet
