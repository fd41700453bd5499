#include "fleet/jetstream_setup.h"

#include <stdexcept>

#include "fleet/fleet_names.h"
#include "fleet/nats_client.h"

namespace voxfra::fleet {

namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

class StreamInfo {
 public:
  ~StreamInfo() { jsStreamInfo_Destroy(si_); }
  jsStreamInfo** out() { return &si_; }
  jsStreamInfo* operator->() const { return si_; }
  explicit operator bool() const { return si_ != nullptr; }

 private:
  jsStreamInfo* si_ = nullptr;
};

// Throws unless the stream keeps every message for at least two days.
void check_fits(const jsStreamConfig& c) {
  if (c.Retention != js_LimitsPolicy) {
    throw std::runtime_error(std::string("stream ") + kCallsStream +
                             " must use limits retention (a work-queue or interest stream forgets the calls "
                             "it delivered, and with them the check that keeps each call once)");
  }
  if (c.MaxAge != 0 && c.MaxAge < kMinStreamMaxAgeSeconds * kNanosPerSecond) {
    throw std::runtime_error(std::string("stream ") + kCallsStream + " keeps messages " +
                             std::to_string(c.MaxAge / kNanosPerSecond / 3600) +
                             " h; it needs at least 48 h (the once-per-call check lasts as long as a message)");
  }
}

}  // namespace

std::string create_calls_stream(jsCtx* js, const StreamSettings& s) {
  if (s.max_age_seconds < kMinStreamMaxAgeSeconds) throw std::runtime_error("--max-age must be at least 48h");
  if (s.duplicate_window_seconds <= 0 || s.duplicate_window_seconds > s.max_age_seconds) {
    throw std::runtime_error("--duplicate-window must be positive and at most --max-age");
  }
  StreamInfo existing;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus st = js_GetStreamInfo(existing.out(), js, kCallsStream, nullptr, &code);
  if (st == NATS_OK) {
    check_fits(*existing->Config);
    return "exists";
  }
  if (st != NATS_NOT_FOUND && code != JSStreamNotFoundErr) check(st, "cannot look up the stream", code);

  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const char* subjects[] = {kCallsSubjects};
  cfg.Name = kCallsStream;
  cfg.Description = "Voxfra: every call of the fleet, once per idempotency key";
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Retention = js_LimitsPolicy;
  cfg.Storage = js_FileStorage;
  cfg.Discard = js_DiscardNew;
  cfg.Replicas = s.replicas;
  cfg.MaxAge = s.max_age_seconds * kNanosPerSecond;
  cfg.Duplicates = s.duplicate_window_seconds * kNanosPerSecond;
  StreamInfo made;
  code = static_cast<jsErrCode>(0);
  check(js_AddStream(made.out(), js, &cfg, nullptr, &code), std::string("cannot create stream ") + kCallsStream, code);
  return "created";
}

std::string create_endpoints_bucket(jsCtx* js, int replicas) {
  kvStore* kv = nullptr;
  if (js_KeyValue(&kv, js, kEndpointsBucket) == NATS_OK) {
    kvStore_Destroy(kv);
    return "exists";
  }
  kvConfig cfg;
  kvConfig_Init(&cfg);
  cfg.Bucket = kEndpointsBucket;
  cfg.Description = "Voxfra: the fleet's endpoints, slug -> endpoint record (holds secrets)";
  cfg.History = 5;
  cfg.StorageType = js_FileStorage;
  cfg.Replicas = replicas;
  check(js_CreateKeyValue(&kv, js, &cfg), std::string("cannot create bucket ") + kEndpointsBucket);
  kvStore_Destroy(kv);
  return "created";
}

void check_calls_stream(jsCtx* js) {
  StreamInfo info;
  jsErrCode code = static_cast<jsErrCode>(0);
  check(js_GetStreamInfo(info.out(), js, kCallsStream, nullptr, &code), std::string("stream ") + kCallsStream, code);
  check_fits(*info->Config);
}

kvStore* open_endpoints_bucket(jsCtx* js) {
  kvStore* kv = nullptr;
  check(js_KeyValue(&kv, js, kEndpointsBucket), std::string("bucket ") + kEndpointsBucket);
  return kv;
}

StreamSummary calls_stream_summary(jsCtx* js) {
  StreamInfo info;
  jsErrCode code = static_cast<jsErrCode>(0);
  check(js_GetStreamInfo(info.out(), js, kCallsStream, nullptr, &code), std::string("stream ") + kCallsStream, code);
  StreamSummary s;
  s.messages = info->State.Msgs;
  s.bytes = info->State.Bytes;
  s.first_seq = info->State.FirstSeq;
  s.last_seq = info->State.LastSeq;
  s.replicas = static_cast<int>(info->Config->Replicas);
  if (info->Cluster != nullptr && info->Cluster->Leader != nullptr) s.leader = info->Cluster->Leader;
  return s;
}

}  // namespace voxfra::fleet
