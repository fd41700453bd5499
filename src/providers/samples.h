// A realistic end-of-call report of each provider, in the provider's own
// shape (the fields of tests/fixtures/<provider>/ and docs/providers.md), for
// `voxfra send-test`: the "Test webhook" button of a provider's dashboard,
// from the shell. One table in samples.cpp holds every provider's body, so
// that a test can check each one against its adapter.
//
// Each sample is made fresh: its call id (unless given) and its times, so
// that a second send-test is a new call, not a duplicate, and a timestamped
// signature over it is current.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/provider.h"
#include "util/time.h"

namespace voxfra {

struct SampleCall {
  std::string call_id;       // the provider's call id, as the record will name it
  std::string content_type;  // what the provider sends (LiveKit: application/webhook+json)
  // Headers the provider sends besides its signature (VoiceInfra's event).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;          // compact JSON, the bytes to sign and send
};

// A new call id in the provider's own form ("conv_…" for ElevenLabs, a UUID
// for Vapi, "RM_…" for a LiveKit room), from OpenSSL's RNG.
std::string sample_call_id(Provider p);

// The sample report of a call `call_id` of `p` that ended at `ended_at`
// (started its provider's usual sample duration earlier). `call_id` is
// JSON-escaped into the body, so any text is safe.
SampleCall sample_call(Provider p, std::string_view call_id, UnixMillis ended_at);

}  // namespace voxfra
