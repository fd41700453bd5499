// The fleet's JetStream objects (docs/fleet.md): the VOXFRA_CALLS stream and
// the voxfra_endpoints KV bucket. `voxfra fleet init` creates them with an
// admin's rights; a daemon only checks that they are there and fit, since a
// node's NATS user may not create or change them.
#pragma once
#include <nats/nats.h>

#include <cstdint>
#include <string>

namespace voxfra::fleet {

struct StreamSettings {
  int replicas = 3;
  // The per-subject check (one message per idempotency key) lasts as long
  // as a message is kept: two days at least, so that a provider's retries
  // and a node's outage fall inside it.
  std::int64_t max_age_seconds = 7 * 24 * 3600;
  // Nats-Msg-Id dedupe, for a re-send after a lost ack; about 145 bytes of
  // server memory per id and replica for this long. At most max_age.
  std::int64_t duplicate_window_seconds = 3600;
};
inline constexpr std::int64_t kMinStreamMaxAgeSeconds = 48 * 3600;

// Creates the stream, or checks an existing one; "created" or "exists".
// Throws NatsError, std::runtime_error for an existing stream that does not fit.
std::string create_calls_stream(jsCtx* js, const StreamSettings& settings);
// Creates the bucket (replicas as given) unless it exists; "created" or "exists".
std::string create_endpoints_bucket(jsCtx* js, int replicas);

// The daemon's check: the stream exists with a retention that keeps every
// message (limits, MaxAge >= 48 h). Throws NatsError (missing: js_code
// 10059) or std::runtime_error (it does not fit).
void check_calls_stream(jsCtx* js);

// The bucket; throws NatsError when it does not exist (NATS_NOT_FOUND).
kvStore* open_endpoints_bucket(jsCtx* js);

struct StreamSummary {
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::uint64_t first_seq = 0, last_seq = 0;
  std::string leader;
  int replicas = 0;
};
StreamSummary calls_stream_summary(jsCtx* js);

}  // namespace voxfra::fleet
