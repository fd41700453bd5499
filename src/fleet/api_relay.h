// Makes the Management API's changes of a fleet node in the fleet
// (docs/fleet.md, "Changes through the Management API"): NGINX's worker
// queues each in the store's fleet outbox (store/fleet_outbox.h) and waits;
// this takes it, in a write transaction, before its deadline, makes it
// against the voxfra_endpoints bucket with the API's own route code and the
// CLI's bucket book, and writes the answer, the audit entries and the
// change into the node's store in one commit (the node serves it at once;
// the others when their mirrors see it).
#pragma once
#include <nats/nats.h>

#include <atomic>

#include "store/fleet_outbox.h"
#include "store/store.h"

namespace voxfra::fleet {

class DaemonLog;
class NatsConnection;

class ApiChangeRelay {
 public:
  ApiChangeRelay(Store& store, NatsConnection& nats, DaemonLog& log) : store_(store), nats_(nats), log_(log) {}
  // Until `stop`: looks for queued changes every few tens of milliseconds.
  void run(const std::atomic<bool>& stop);

 private:
  // Marks `entry` taken; false when the worker's wait is over (or nearly).
  bool take(OutboxEntry& entry);
  void make(OutboxEntry& entry);

  Store& store_;
  NatsConnection& nats_;
  DaemonLog& log_;
  jsCtx* js_ = nullptr;  // one for the daemon's life: the connection keeps each it opens
};

}  // namespace voxfra::fleet
