// Applies the fleet's VOXFRA_CALLS stream into the node's store
// (docs/fleet.md), so that every node holds the fleet's calls and answers
// `duplicate` for a call another node stored. An ordered consumer reads
// the stream from the replica's cursor (the stream sequence applied
// through, kept in the store's `fleet` database); each batch is applied in
// one write transaction with the cursor, so a crash re-applies nothing
// twice and loses nothing. A key the node's call index holds already (its
// own copy, or one applied before) is not stored again; every other call
// gets the node's next record id.
#pragma once
#include <nats/nats.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "store/store.h"

namespace voxfra::fleet {

class DaemonLog;
class NatsConnection;

struct ReplicaBatch {
  std::size_t messages = 0;
  std::size_t stored = 0;      // new records in this node's store
  std::size_t unreadable = 0;  // messages passed over: not a record this build reads
  std::uint64_t through = 0;   // the cursor after the batch
  std::uint64_t pending = 0;   // stream messages after it
};

class Replica {
 public:
  Replica(Store& store, NatsConnection& nats, DaemonLog& log, std::size_t batch);
  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // Until `stop`; resubscribes from the cursor after every reconnect
  // (`link_generation` grows) and when the consumer stalls.
  void run(const std::atomic<bool>& stop, const std::atomic<std::uint64_t>& link_generation);

  // Applies `messages` (stream order) and moves the cursor over them, in
  // one write transaction; destroys the messages. Throws StoreError.
  ReplicaBatch apply(std::vector<natsMsg*>& messages);

 private:
  void subscribe();
  void unsubscribe();

  Store& store_;
  NatsConnection& nats_;
  DaemonLog& log_;
  std::size_t batch_;
  natsSubscription* sub_ = nullptr;
  jsCtx* js_ = nullptr;  // one context for the replica's life: each one lives until the connection closes
  std::uint64_t through_ = 0;
};

}  // namespace voxfra::fleet
