// voxfra calls tail: prints records as they are stored, like `tail -f`.
//
// It follows `calls` by sequence: one read transaction, renewed at each poll
// (a renewed LMDB read transaction sees the newest commit and costs no
// allocation), and everything after the last sequence seen is printed.
// Between polls it sleeps in sigtimedwait() with SIGINT and SIGTERM blocked,
// so there is no busy loop, and a signal ends the wait at once and the
// command returns normally (exit 0, output flushed, transaction closed).
#include <signal.h>

#include <cerrno>
#include <iostream>

#include "cli/call_query.h"
#include "cli/call_streams.h"
#include "cli/call_summary.h"
#include "cli/output.h"
#include "cli/validate.h"
#include "store/bytes.h"
#include "store/cursor.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

constexpr std::uint64_t kDefaultPollMs = 1000;
constexpr std::uint64_t kMaxPollMs = 60'000;
constexpr std::uint64_t kMaxLimit = 1'000'000'000;

// Blocks SIGINT and SIGTERM for the command's life; wait() sleeps until one
// arrives or the time is up.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigprocmask(SIG_BLOCK, &set_, &previous_);
  }
  ~StopSignals() { sigprocmask(SIG_SETMASK, &previous_, nullptr); }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // True when a stop signal came within `ms`.
  bool wait(std::uint64_t ms) {
    timespec timeout{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000};
    for (;;) {
      int signal = sigtimedwait(&set_, nullptr, &timeout);
      if (signal > 0) return true;
      if (errno == EAGAIN) return false;
      if (errno != EINTR) throw CommandError("cannot wait for new calls");
      // Another signal (SIGWINCH, a stop and continue): wait again. The
      // remaining time is not tracked; a poll a little late is harmless.
    }
  }

 private:
  sigset_t set_{};
  sigset_t previous_{};
};

// The newest record's sequence, 0 for an empty database.
std::uint64_t last_sequence(Txn& txn, const Store& store) {
  Cursor cursor(txn, store.calls_dbi());
  if (!cursor.last() || cursor.key().size() != 8) return 0;
  return bytes::get_u64be(cursor.key().data());
}

// Renews the read transaction, following the map when NGINX has grown it (a
// larger voxfra_store size= after a reload) while the tail ran.
void renew(Txn& txn, Store& store) {
  try {
    txn.renew();
  } catch (const StoreError& e) {
    if (e.code() != MDB_MAP_RESIZED) throw;
    int rc = mdb_env_set_mapsize(store.env(), 0);  // 0: adopt the size the writer set
    if (rc != 0) throw StoreError(std::string("cannot follow the grown map: ") + mdb_strerror(rc), rc);
    txn.renew();
  }
}

void print_call_line(std::ostream& out, const StoredCall& c) {
  const CallSummary summary = summarize_call(c.json);
  out << record_id(c.sequence) << "  " << time_or_dash(c.received_at) << "  " << terminal_safe(c.org) << '/'
      << terminal_safe(c.client) << "  " << provider_name(c.provider) << "  " << terminal_safe(c.call_id) << "  "
      << (c.event.empty() ? "-" : terminal_safe(c.event)) << "  " << terminal_safe(summary.duration) << "  "
      << terminal_safe(summary.status) << '\n';
}

}  // namespace

int calls_tail(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("calls tail takes no argument \"" + operands.front() + "\"");
  const CallFilter filter = read_filter(args);
  std::uint64_t poll_ms = kDefaultPollMs;
  if (auto v = args.value("poll")) poll_ms = check_positive("poll", *v, kMaxPollMs);
  std::optional<std::uint64_t> limit;
  if (auto v = args.value("limit")) limit = check_positive("limit", *v, kMaxLimit);

  StopSignals stop;  // before the first read: a Ctrl-C from here on ends the tail cleanly
  auto store = open_store(cli, Access::read);
  Txn txn(*store, false);
  // With --since, the records already stored since then come first;
  // without, only records stored from now on.
  std::uint64_t after = args.has("since") ? 0 : last_sequence(txn, *store);
  // On stderr, so that stdout is only records: says the tail is following
  // (a script may wait for this line before it posts).
  const std::string from = args.has("since") ? "since " + format_rfc3339(filter.since)
                                             : "after record " + record_id(after);
  std::cerr << "voxfra: following calls stored " + from + " (Ctrl-C to stop)\n";
  std::uint64_t printed = 0;
  std::ostream& out = *cli.out;
  for (;;) {
    after = walk_calls_after(txn, *store, after, [&](const StoredCall& c) {
      if (!filter.matches(c)) return true;
      if (cli.json) {
        out << c.json << '\n';
      } else {
        print_call_line(out, c);
      }
      ++printed;
      return !limit || printed < *limit;
    });
    out.flush();  // a follower reads each record as it comes, not when a buffer fills
    if (!out) throw CommandError("cannot write");
    if (limit && printed >= *limit) return 0;
    if (stop.wait(poll_ms)) return 0;
    renew(txn, *store);
  }
}

}  // namespace voxfra::cli
