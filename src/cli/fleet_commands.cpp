// voxfra fleet init|calls|status (docs/fleet.md): the fleet's JetStream
// objects, the calls the stream holds, and a node's figures.
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/commands.h"
#include "cli/endpoint_records.h"
#include "cli/output.h"
#include "fleet/endpoint_bucket.h"
#include "fleet/fleet_names.h"
#include "fleet/jetstream_setup.h"
#include "fleet/nats_args.h"
#include "fleet/nats_client.h"
#include "store/fleet_state.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

constexpr std::int64_t kReadWaitMs = 1000;
// An ordered consumer stalls for a while after a server failure (it
// recovers on its heartbeat timer): give up only after this long without a
// message.
constexpr int kReadStallLimitMs = 30000;

// The connection for a command, failing at once when no server answers.
std::unique_ptr<fleet::NatsConnection> connect(const Args& args) {
  fleet::NatsSettings settings = fleet::nats_settings(args, "voxfra");
  try {
    return std::make_unique<fleet::NatsConnection>(settings, false);
  } catch (const fleet::NatsError& e) {
    throw CommandError(e.what());
  }
}

std::int64_t duration_option(const Args& args, std::string_view name, std::int64_t fallback) {
  auto v = args.value(name);
  if (!v) return fallback;
  auto seconds = parse_duration_seconds(*v);
  if (!seconds || *seconds <= 0) throw UsageError("--" + std::string(name) + " must be a duration such as 2h or 7d");
  return *seconds;
}

int fleet_init(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("fleet init takes no argument \"" + operands.front() + "\"");
  fleet::StreamSettings s;
  if (auto r = args.value("replicas")) {
    if (*r != "1" && *r != "3" && *r != "5") throw UsageError("--replicas must be 1, 3 or 5");
    s.replicas = std::stoi(*r);
  }
  s.max_age_seconds = duration_option(args, "max-age", s.max_age_seconds);
  s.duplicate_window_seconds = duration_option(args, "duplicate-window", s.duplicate_window_seconds);
  auto nats = connect(args);
  jsCtx* js = nats->jetstream();
  std::string stream, bucket;
  try {
    stream = fleet::create_calls_stream(js, s);
    bucket = fleet::create_endpoints_bucket(js, s.replicas);
  } catch (const std::runtime_error& e) {
    throw CommandError(e.what());
  }
  if (cli.json) {
    JsonDocument doc;
    doc.writer().begin_object().field("stream", stream).field("bucket", bucket).end_object();
    doc.print(*cli.out);
    return 0;
  }
  *cli.out << "stream " << fleet::kCallsStream << ": " << stream << " (" << s.replicas << " replica"
           << (s.replicas == 1 ? "" : "s") << ")\n"
           << "bucket " << fleet::kEndpointsBucket << ": " << bucket << '\n';
  return 0;
}

std::string header(natsMsg* msg, const char* name) {
  const char* v = nullptr;
  if (natsMsgHeader_Get(msg, name, &v) != NATS_OK || v == nullptr) return "";
  return v;
}

// Every message of the stream, oldest first, through an ordered consumer.
int fleet_calls(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("fleet calls takes no argument \"" + operands.front() + "\"");
  std::optional<std::string> call_id = args.value("call-id");
  auto nats = connect(args);
  jsCtx* js = nats->jetstream();
  fleet::StreamSummary summary;
  try {
    summary = fleet::calls_stream_summary(js);
  } catch (const fleet::NatsError& e) {
    throw CommandError(e.what());
  }
  if (summary.messages == 0) return 0;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Ordered = true;
  so.Stream = fleet::kCallsStream;
  so.Config.Heartbeat = 1'000'000'000;  // ns: a stalled consumer is noticed and recreated within seconds
  natsSubscription* sub = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  // Creating the consumer times out while the stream elects a leader (or
  // its leader is busy recreating the nodes' replica consumers): retry
  // within the same bound as a stalled read.
  for (int waited_ms = 0;; waited_ms += kReadWaitMs) {
    natsStatus st = js_SubscribeSync(&sub, js, fleet::kCallsSubjects, nullptr, &so, &code);
    if (st == NATS_TIMEOUT && waited_ms < kReadStallLimitMs) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kReadWaitMs));
      continue;
    }
    try {
      fleet::check(st, "cannot read the stream", code);
    } catch (const fleet::NatsError& e) {
      throw CommandError(e.what());
    }
    break;
  }
  simdjson::dom::parser parser;
  Table table({"SEQ", "NODE", "RECORD", "CALL", "SUBJECT"});
  std::uint64_t seq = 0;
  int stalled_ms = 0;
  while (seq < summary.last_seq) {
    natsMsg* msg = nullptr;
    natsStatus st = natsSubscription_NextMsg(&msg, sub, kReadWaitMs);
    if (st == NATS_TIMEOUT && (stalled_ms += kReadWaitMs) < kReadStallLimitMs) continue;
    stalled_ms = 0;
    if (st != NATS_OK) {
      natsSubscription_Destroy(sub);
      throw CommandError("reading the stream stopped at sequence " + std::to_string(seq) + ": " +
                         fleet::last_error_text(st));
    }
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
      seq = meta->Sequence.Stream;
      jsMsgMetaData_Destroy(meta);
    }
    std::string_view data(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    std::string_view record_call_id;
    simdjson::dom::element record;
    if (parser.parse(data.data(), data.size()).get(record) == simdjson::SUCCESS) {
      if (record["callId"].get(record_call_id) != simdjson::SUCCESS) record_call_id = {};
    }
    if (!call_id || record_call_id == *call_id) {
      if (cli.json) {
        JsonDocument doc;
        JsonWriter& w = doc.writer();
        w.begin_object()
            .key("seq").integer(static_cast<std::int64_t>(seq))
            .field("subject", natsMsg_GetSubject(msg))
            .field("node", header(msg, fleet::kNodeHeader))
            .field("recordId", header(msg, fleet::kRecordIdHeader))
            .field("msgId", header(msg, "Nats-Msg-Id"));
        if (record_call_id.data() != nullptr) w.key("record").raw(data);
        w.end_object();
        doc.print(*cli.out);
      } else {
        table.add_row({std::to_string(seq), header(msg, fleet::kNodeHeader), header(msg, fleet::kRecordIdHeader),
                       std::string(record_call_id), natsMsg_GetSubject(msg)});
      }
    }
    natsMsg_Destroy(msg);
  }
  natsSubscription_Destroy(sub);
  if (!cli.json) table.print(*cli.out);
  return 0;
}

std::string age(UnixMillis t, UnixMillis now) {
  if (t == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs ago", static_cast<double>(now - t) / 1000.0);
  return buf;
}

int fleet_status(const Cli& cli, const Args&, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("fleet status takes no argument \"" + operands.front() + "\"");
  auto store = open_store(cli, Access::read);
  Txn txn(*store, false);
  auto s = read_fleet_status(txn.get(), *store);
  if (!s) {
    throw CommandError("the store at \"" + store->path() + "\" is no fleet node (voxfra-fleet never ran on it)");
  }
  const UnixMillis now = now_millis();
  if (cli.json) {
    JsonDocument doc;
    JsonWriter& w = doc.writer();
    w.begin_object()
        .field("node", s->node)
        .field("nats", s->link);
    write_time(w, "natsSince", s->link_since);
    w.key("endpointsMirrored").integer(static_cast<std::int64_t>(s->endpoints));
    write_time(w, "mirrorUpdatedAt", s->mirror_updated_at);
    w.key("unshipped").integer(static_cast<std::int64_t>(s->unshipped));
    write_time(w, "oldestUnshippedAt", s->oldest_unshipped_at);
    w.key("oldestUnshippedAgeSeconds").number(s->oldest_unshipped_at ? static_cast<double>(now - s->oldest_unshipped_at) / 1000.0 : 0.0);
    w.field("shippedThrough", record_id(s->shipped_through));
    write_time(w, "lastAckAt", s->last_ack_at);
    w.field("replica", s->replica ? "on" : "off");
    w.key("replicaThrough").integer(static_cast<std::int64_t>(s->replica_through));
    w.key("replicaPending").integer(static_cast<std::int64_t>(s->replica_pending));
    write_time(w, "replicaAppliedAt", s->replica_applied_at);
    w.key("rateNodes").integer(s->rate_nodes);
    w.key("rateLimitFallback").boolean(s->rate_fallback);
    w.end_object();
    doc.print(*cli.out);
    return 0;
  }
  print_fields(*cli.out, {
      {"node", s->node},
      {"nats", s->link + " since " + time_or_dash(s->link_since)},
      {"endpoints mirrored", std::to_string(s->endpoints) + ", last update " + age(s->mirror_updated_at, now)},
      {"not yet shipped", std::to_string(s->unshipped) + " record" + (s->unshipped == 1 ? "" : "s") +
                              (s->unshipped ? ", oldest received " + age(s->oldest_unshipped_at, now) : "")},
      {"shipped through", record_id(s->shipped_through)},
      {"last ack", age(s->last_ack_at, now)},
      {"replica", s->replica ? "stream applied through " + std::to_string(s->replica_through) + ", " +
                                   std::to_string(s->replica_pending) + " pending, last batch " +
                                   age(s->replica_applied_at, now)
                             : std::string("off (this node holds its own calls only)")},
      {"rate limits", s->rates_updated_at == 0 ? std::string("not shared")
                      : std::string(s->rate_fallback ? "NATS lost: limit / " : "shared by ") +
                            std::to_string(s->rate_nodes) + " node" + (s->rate_nodes == 1 ? "" : "s")},
  });
  return 0;
}

// A node joining a fleet with endpoints of its own: each one the bucket
// lacks is written there (a key that exists is left alone), so that the
// node's daemon can start mirroring.
int fleet_import_endpoints(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("fleet import-endpoints takes no argument \"" + operands.front() + "\"");
  std::vector<Endpoint> local;
  {
    auto store = open_store(cli, Access::read);
    Txn txn(*store, false);
    local = all_endpoints(txn, *store);
  }
  auto nats = connect(args);
  std::size_t imported = 0, present = 0;
  try {
    fleet::EndpointBucket bucket(nats->jetstream());
    for (const Endpoint& e : local) {
      if (bucket.find(e.slug)) {
        ++present;
        continue;
      }
      bucket.write(e, 0);
      ++imported;
    }
  } catch (const std::runtime_error& e) {
    throw CommandError(e.what());
  }
  if (cli.json) {
    JsonDocument doc;
    doc.writer().begin_object()
        .key("imported").integer(static_cast<std::int64_t>(imported))
        .key("alreadyThere").integer(static_cast<std::int64_t>(present))
        .end_object();
    doc.print(*cli.out);
  } else {
    *cli.out << "imported " << imported << " endpoint" << (imported == 1 ? "" : "s") << " into "
             << fleet::kEndpointsBucket << " (" << present << " already there)\n";
  }
  return 0;
}

constexpr Command kFleetCommands[] = {
    {"fleet", "init", "--nats URL[,URL...] [NATS AUTH] [--replicas 3] [--max-age 7d] [--duplicate-window 1h]",
     "nats nats-user nats-password-file nats-ca replicas max-age duplicate-window", fleet_init},
    {"fleet", "calls", "--nats URL[,URL...] [NATS AUTH] [--call-id ID]",
     "nats nats-user nats-password-file nats-ca call-id", fleet_calls},
    {"fleet", "status", "", "", fleet_status},
    {"fleet", "import-endpoints", "--nats URL[,URL...] [NATS AUTH]", "nats nats-user nats-password-file nats-ca",
     fleet_import_endpoints},
};

}  // namespace

std::span<const Command> fleet_commands() { return kFleetCommands; }

}  // namespace voxfra::cli
