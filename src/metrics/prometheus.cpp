#include "metrics/prometheus.h"

#include <cinttypes>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <utility>

namespace voxfra::metrics {

namespace {

constexpr std::string_view kOutcomes[kOutcomeCount] = {"accepted", "duplicate", "ignored", "rejected"};

// The `le` of each finite bucket, as Prometheus writes bounds.
constexpr std::string_view kDurationLe[kDurationBuckets] = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                                           "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                                           "1",      "2.5",   "10"};
constexpr std::string_view kCommitLe[kCommitBuckets] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005",
                                                        "0.01",   "0.025",   "0.05",   "0.1",   "0.25",   "1"};

class Text {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  // name{k1="v1",k2="v2"} value; labels as alternating names and values.
  void sample(std::string_view name, std::initializer_list<std::string_view> labels, std::uint64_t value) {
    begin(name, labels);
    char digits[24];
    std::snprintf(digits, sizeof digits, "%" PRIu64, value);
    out_ += digits;
    out_ += '\n';
  }

  void seconds(std::string_view name, std::uint64_t micros) {
    begin(name, {});
    char text[32];
    std::snprintf(text, sizeof text, "%" PRIu64 ".%06" PRIu64, micros / 1000000, micros % 1000000);
    out_ += text;
    out_ += '\n';
  }

  std::string take() { return std::move(out_); }

 private:
  void begin(std::string_view name, std::initializer_list<std::string_view> labels) {
    out_ += name;
    if (labels.size() != 0) {
      out_ += '{';
      bool value = false, first = true;
      for (std::string_view part : labels) {
        if (!value) {
          if (!first) out_ += ',';
          out_ += part;
          out_ += "=\"";
        } else {
          escape(part);
          out_ += '"';
        }
        value = !value;
        first = false;
      }
      out_ += '}';
    }
    out_ += ' ';
  }

  // Label values escape backslash, double quote and line feed.
  void escape(std::string_view v) {
    for (char c : v) {
      if (c == '\\' || c == '"') {
        out_ += '\\';
        out_ += c;
      } else if (c == '\n') {
        out_ += "\\n";
      } else {
        out_ += c;
      }
    }
  }

  std::string out_;
};

std::string_view provider_label(std::size_t slot) {
  return slot == 0 ? std::string_view("unknown") : provider_name(static_cast<Provider>(slot));
}

// _bucket lines (cumulative), then _sum and _count.
template <std::size_t Buckets, class Le, class Sum>
void histogram(Text& t, std::string_view name, const std::uint64_t (&counts)[Buckets + 1], Le le, Sum write_sum) {
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < Buckets; ++i) {
    running += counts[i];
    t.sample(bucket, {"le", le(i)}, running);
  }
  running += counts[Buckets];
  t.sample(bucket, {"le", "+Inf"}, running);
  write_sum(std::string(name) + "_sum");
  t.sample(std::string(name) + "_count", {}, running);
}

}  // namespace

std::string write_prometheus(const Page& page) {
  const Snapshot& c = page.counters;
  Text t;

  t.family("voxfra_requests_total", "counter",
           "Ingest requests answered, by provider (as the URL names it; unknown for any other) and outcome.");
  for (std::size_t p = 0; p < kProviderSlots; ++p) {
    for (std::size_t o = 0; o < kOutcomeCount; ++o) {
      t.sample("voxfra_requests_total", {"provider", provider_label(p), "outcome", kOutcomes[o]}, c.requests[p][o]);
    }
  }

  t.family("voxfra_rejections_total", "counter", "Rejected ingest requests, by reason.");
  for (std::size_t r = 1; r < kReasonCount; ++r) {
    t.sample("voxfra_rejections_total", {"reason", reason_name(static_cast<Reason>(r))}, c.rejections[r]);
  }

  // By name too: the same counts as the labelled series above.
  std::uint64_t duplicates = 0;
  for (const auto& by_outcome : c.requests) duplicates += by_outcome[static_cast<std::size_t>(Outcome::duplicate)];
  t.family("voxfra_duplicates_total", "counter",
           "Deliveries of calls already stored (voxfra_requests_total{outcome=\"duplicate\"} summed).");
  t.sample("voxfra_duplicates_total", {}, duplicates);
  t.family("voxfra_rate_limited_total", "counter",
           "Requests over their endpoint's rate (voxfra_rejections_total{reason=\"rate_limited\"}).");
  t.sample("voxfra_rate_limited_total", {}, c.rejections[static_cast<std::size_t>(Reason::rate_limited)]);
  t.family("voxfra_signature_failures_total", "counter",
           "Signatures missing, wrong or too old (voxfra_rejections_total{reason=\"bad_signature\"}).");
  t.sample("voxfra_signature_failures_total", {}, c.rejections[static_cast<std::size_t>(Reason::bad_signature)]);

  t.family("voxfra_ingest_duration_seconds", "histogram",
           "Time from the handler taking an ingest request to its answer.");
  histogram<kDurationBuckets>(
      t, "voxfra_ingest_duration_seconds", c.duration_counts, [](std::size_t i) { return kDurationLe[i]; },
      [&](const std::string& name) { t.seconds(name, c.duration_sum_micros); });

  t.family("voxfra_records_stored_total", "counter", "Call records committed to LMDB.");
  t.sample("voxfra_records_stored_total", {}, c.records_stored);

  t.family("voxfra_storage_failures_total", "counter", "Calls that could not be stored, by cause.");
  for (std::size_t f = 0; f < kStorageFailureCount; ++f) {
    t.sample("voxfra_storage_failures_total", {"error", storage_failure_name(static_cast<StorageFailure>(f))},
             c.storage_failures[f]);
  }

  t.family("voxfra_commit_batch_size", "histogram", "Calls per LMDB commit (group commit).");
  std::string le_text[kBatchBuckets];
  for (std::size_t i = 0; i < kBatchBuckets; ++i) le_text[i] = std::to_string(kBatchBounds[i]);
  histogram<kBatchBuckets>(
      t, "voxfra_commit_batch_size", c.batch_counts, [&](std::size_t i) { return std::string_view(le_text[i]); },
      [&](const std::string& name) { t.sample(name, {}, c.batch_sum); });

  t.family("voxfra_store_commit_duration_seconds", "histogram",
           "A pool thread's time for one commit of calls: LMDB's commit, its sync and, with durability=fsync, "
           "the wait for the sync that covers it.");
  histogram<kCommitBuckets>(
      t, "voxfra_store_commit_duration_seconds", c.commit_counts, [](std::size_t i) { return kCommitLe[i]; },
      [&](const std::string& name) { t.seconds(name, c.commit_sum_micros); });

  t.family("voxfra_request_log_dropped_total", "counter",
           "Request history entries dropped before reaching LMDB (a worker's buffer was full).");
  t.sample("voxfra_request_log_dropped_total", {}, c.request_log_dropped);

  if (page.covers) {
    t.family("voxfra_store_commits_covered_total", "counter",
             "durability=fsync commits of calls, by the sync that made each durable: the next commit's or its own.");
    t.sample("voxfra_store_commits_covered_total", {"by", "next_commit"}, page.covers->by_next_commit);
    t.sample("voxfra_store_commits_covered_total", {"by", "own_sync"}, page.covers->by_own_sync);
  }

  if (page.map) {
    t.family("voxfra_store_map_used_bytes", "gauge", "Bytes of the LMDB map in use (up to the last used page).");
    t.sample("voxfra_store_map_used_bytes", {}, page.map->used_bytes);
    t.family("voxfra_store_map_size_bytes", "gauge", "Size of the LMDB map (voxfra_store size=).");
    t.sample("voxfra_store_map_size_bytes", {}, page.map->size_bytes);
  }

  t.family("voxfra_zone_used_bytes", "gauge", "Bytes of a voxfra_zone that live rates, counters and keys take.");
  for (const ZoneUse& z : page.zones) t.sample("voxfra_zone_used_bytes", {"zone", z.zone}, z.used_bytes);
  t.family("voxfra_zone_size_bytes", "gauge", "Size of a voxfra_zone.");
  for (const ZoneUse& z : page.zones) t.sample("voxfra_zone_size_bytes", {"zone", z.zone}, z.size_bytes);

  // A fleet node: what `voxfra fleet status` shows. Times as Unix seconds
  // (0: never), so that an alert computes the age with time() - x.
  if (const auto& f = page.fleet) {
    auto seconds = [](UnixMillis t) { return t > 0 ? static_cast<std::uint64_t>(t / 1000) : 0; };
    t.family("voxfra_fleet_node_info", "gauge", "The fleet node this store belongs to.");
    t.sample("voxfra_fleet_node_info", {"node", f->node}, 1);
    t.family("voxfra_fleet_nats_connected", "gauge", "1 while voxfra-fleet is connected to NATS.");
    t.sample("voxfra_fleet_nats_connected", {}, f->link == "connected" ? 1 : 0);
    t.family("voxfra_fleet_endpoints_mirrored", "gauge", "Endpoints in the node's store, mirrored from the fleet.");
    t.sample("voxfra_fleet_endpoints_mirrored", {}, f->endpoints);
    t.family("voxfra_fleet_mirror_updated_timestamp_seconds", "gauge",
             "When the endpoints mirror last changed or was confirmed by a full snapshot.");
    t.sample("voxfra_fleet_mirror_updated_timestamp_seconds", {}, seconds(f->mirror_updated_at));
    t.family("voxfra_fleet_unshipped_records", "gauge", "Records stored on this node and not yet in the stream.");
    t.sample("voxfra_fleet_unshipped_records", {}, f->unshipped);
    t.family("voxfra_fleet_oldest_unshipped_timestamp_seconds", "gauge",
             "When the oldest record not yet in the stream was received (0: none waits).");
    t.sample("voxfra_fleet_oldest_unshipped_timestamp_seconds", {}, seconds(f->oldest_unshipped_at));
    t.family("voxfra_fleet_last_ack_timestamp_seconds", "gauge", "When the stream last acknowledged a record.");
    t.sample("voxfra_fleet_last_ack_timestamp_seconds", {}, seconds(f->last_ack_at));
    t.family("voxfra_fleet_replica_enabled", "gauge", "1 when voxfra-fleet applies the stream into this node's store.");
    t.sample("voxfra_fleet_replica_enabled", {}, f->replica ? 1 : 0);
    t.family("voxfra_fleet_replica_stream_sequence", "gauge", "The stream sequence the replica applied through.");
    t.sample("voxfra_fleet_replica_stream_sequence", {}, f->replica_through);
    t.family("voxfra_fleet_replica_pending_messages", "gauge",
             "Stream messages after the replica's cursor, as the stream said at its last batch.");
    t.sample("voxfra_fleet_replica_pending_messages", {}, f->replica_pending);
    t.family("voxfra_fleet_replica_applied_timestamp_seconds", "gauge", "When the replica last applied a batch.");
    t.sample("voxfra_fleet_replica_applied_timestamp_seconds", {}, seconds(f->replica_applied_at));
    t.family("voxfra_fleet_rate_nodes", "gauge", "Nodes sharing the rate limits, as last seen.");
    t.sample("voxfra_fleet_rate_nodes", {}, f->rate_nodes);
    t.family("voxfra_fleet_rate_limit_fallback", "gauge",
             "1 while the shared counts are stale (NATS lost): each node holds to the limit / the nodes last seen.");
    t.sample("voxfra_fleet_rate_limit_fallback", {}, f->rate_fallback ? 1 : 0);
  }
  return t.take();
}

}  // namespace voxfra::metrics
