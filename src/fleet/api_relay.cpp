#include "fleet/api_relay.h"

#include <chrono>
#include <thread>

#include "api/fleet_writes.h"
#include "fleet/bucket_book.h"
#include "fleet/daemon_log.h"
#include "fleet/mirror.h"
#include "fleet/nats_client.h"
#include "store/fleet_state.h"

namespace voxfra::fleet {

namespace {

constexpr auto kPoll = std::chrono::milliseconds(25);
// Answered or abandoned entries are kept this long after their deadline
// (a look with `mdb_dump` while debugging), then pruned with the next answer.
constexpr std::int64_t kKeepMs = 60'000;
// Taken only with this much of the wait left: a change made in its last
// instant would be answered "not confirmed" for nothing.
constexpr std::int64_t kTakeMarginMs = 250;

}  // namespace

bool ApiChangeRelay::take(OutboxEntry& entry) {
  Txn txn(store_, true);
  auto current = read_outbox_entry(txn.get(), store_, entry.id);
  if (!current || current->state != OutboxState::queued || now_millis() + kTakeMarginMs >= current->deadline) {
    return false;
  }
  entry = std::move(*current);
  entry.state = OutboxState::taken;
  write_outbox_entry(txn.get(), store_, entry);
  txn.commit();
  // The worker reads the entry at the deadline: if this commit ended after
  // that read began, the worker answered "nothing was changed", and so it
  // must stay.
  return now_millis() < entry.deadline;
}

void ApiChangeRelay::make(OutboxEntry& entry) {
  ApiResponse response;
  bool keep_answer = false;
  std::vector<AuditEntry> audits;
  std::vector<BucketEntry> written;
  try {
    BucketEndpointBook book(js_, [this](const std::string& w) { log_.warn(w); });
    Txn read(store_, false);
    book.count_from(read.get(), store_);
    response = make_fleet_write(store_, read.get(), book, entry, keep_answer);
    audits = std::move(book.audits());
    written = book.written();
  } catch (const EndpointBookUnreachable& e) {
    response = fleet_unreachable_answer(entry, e);
  }
  if (!response.error_log.empty()) {
    std::string line = "API change " + entry.request_id + " (" + std::to_string(response.status) + "): " +
                       response.error_log;
    if (response.status >= 500 && response.status < 503) log_.error(line); else log_.warn(line);
  }
  Txn txn(store_, true);
  answer_fleet_write(txn.get(), store_, entry, response, keep_answer, audits);
  std::string skipped;
  for (const BucketEntry& e : written) mirror_entry(txn.get(), store_, e, skipped);
  prune_outbox(txn.get(), store_, now_millis() - kKeepMs);
  txn.commit();
}

void ApiChangeRelay::run(const std::atomic<bool>& stop) {
  bool failing = false;
  js_ = nats_.jetstream();
  while (!stop) {
    std::this_thread::sleep_for(kPoll);
    // Disconnected, nothing is taken: the worker's wait ends in "nothing
    // was changed" rather than a change made late.
    if (!nats_.connected()) continue;
    try {
      std::vector<OutboxEntry> queued;
      {
        Txn read(store_, false);
        queued = queued_outbox_entries(read.get(), store_, now_millis());
      }
      for (OutboxEntry& entry : queued) {
        if (stop) break;
        if (take(entry)) make(entry);
      }
      if (failing) log_.info("API changes resumed");
      failing = false;
    } catch (const std::exception& e) {
      if (!failing) log_.error(std::string("API changes: ") + e.what());
      failing = true;
    }
  }
}

}  // namespace voxfra::fleet
