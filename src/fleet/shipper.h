// Ships the node's calls to the VOXFRA_CALLS stream (docs/fleet.md), oldest
// first, from the shipped cursor in the node's store. Each record goes to
// its own subject (one per idempotency key) with ExpectNoMessage and
// Nats-Msg-Id = the key's hash, so that the stream holds each key once,
// whichever node stored it and however often a record is re-sent: a second
// copy is refused with 10071 (wrong last sequence), a re-send after a lost
// ack is answered Duplicate. Both mean "in the stream". The cursor moves
// only over records the stream acknowledged, in order.
#pragma once
#include <nats/nats.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.h"
#include "util/time.h"

namespace voxfra::fleet {

class NatsConnection;

struct ShipRound {
  std::size_t read = 0;        // records read after the cursor
  std::size_t shipped = 0;     // acknowledged in order: the cursor moved over these
  std::size_t duplicates = 0;  // of those, already in the stream
  bool failed = false;         // some record was not acknowledged
  std::string failure;         // the first failure's words
  std::uint64_t cursor = 0;    // after the round
};

class Shipper {
 public:
  // batch: records published per round before waiting for their acks.
  Shipper(Store& store, NatsConnection& nats, std::string node, std::size_t batch, std::int64_t ack_wait_ms);
  ~Shipper();
  Shipper(const Shipper&) = delete;
  Shipper& operator=(const Shipper&) = delete;

  // Reads the next batch after the cursor (a short read transaction),
  // publishes it, waits for every ack or failure, and moves the cursor over
  // the acknowledged prefix (a short write transaction). Throws StoreError.
  ShipRound round();

 private:
  struct Outgoing {
    std::uint64_t sequence;
    std::string subject;
    std::string hash;
    std::string json;
    enum class Ack : std::uint8_t { waiting, stored, duplicate, failed } ack = Ack::waiting;
  };
  static void on_ack(jsCtx* js, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* self);
  void acknowledge(natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae);
  void read_batch();
  void publish_batch(ShipRound& r);
  void advance(ShipRound& r);

  Store& store_;
  NatsConnection& nats_;
  std::string node_;
  std::size_t batch_;
  std::int64_t ack_wait_ms_;
  jsCtx* js_ = nullptr;
  std::vector<Outgoing> out_;
  std::mutex mutex_;  // out_[].ack, pending_, first_failure_ (the ack handler runs on libnats' thread)
  std::condition_variable acked_;
  std::size_t pending_ = 0;
  std::string first_failure_;
};

}  // namespace voxfra::fleet
