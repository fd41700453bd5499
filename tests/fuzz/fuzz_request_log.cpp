// The request history codec (store/request_log.h). Arbitrary bytes (a page
// of `reqlog` after a bad disk or a foreign writer) decode cleanly or not at
// all, and what decodes encodes and decodes to the same entry; an entry made
// from the input's fields, ids cut to their arrays, survives the round trip.
#include <string>

#include "fuzz_common.h"
#include "store/request_log.h"

namespace voxfra::fuzz {
namespace {

bool same(const RequestLogEntry& a, const RequestLogEntry& b) {
  return a.at_micros == b.at_micros && a.latency_micros == b.latency_micros && a.http_status == b.http_status &&
         a.outcome == b.outcome && a.reason == b.reason && a.provider == b.provider &&
         a.request_id() == b.request_id() && a.call_id() == b.call_id();
}

void check_arbitrary(std::string_view bytes) {
  RequestLogEntry decoded;
  if (!decode_request_log_entry(bytes, decoded)) return;
  RequestLogEntry again;
  FUZZ_CHECK(decode_request_log_entry(encode_request_log_entry(decoded), again));
  FUZZ_CHECK(same(decoded, again));
  FUZZ_CHECK(outcome_name(again.outcome).size() > 0);
}

void check_round_trip(Input in) {
  RequestLogEntry e;
  e.at_micros = static_cast<std::int64_t>(in.u64());
  e.latency_micros = static_cast<std::uint32_t>(in.u64());
  e.http_status = in.u16();
  e.outcome = static_cast<Outcome>(in.u8() % 4);
  e.reason = static_cast<Reason>(in.u8() % kReasonCount);
  e.provider = in.u8();
  e.set_endpoint_id(in.text());
  e.set_request_id(in.text());
  e.set_call_id(in.rest());
  FUZZ_CHECK(e.endpoint_id().size() <= RequestLogEntry::kMaxEndpointId);
  FUZZ_CHECK(e.request_id().size() <= RequestLogEntry::kMaxRequestId);
  FUZZ_CHECK(e.call_id().size() <= RequestLogEntry::kMaxCallId);
  RequestLogEntry decoded;
  FUZZ_CHECK(decode_request_log_entry(encode_request_log_entry(e), decoded));
  FUZZ_CHECK(same(e, decoded));
}

}  // namespace
}  // namespace voxfra::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace voxfra::fuzz;
  check_arbitrary(std::string_view(reinterpret_cast<const char*>(data), size));
  check_round_trip(Input(data, size));
  return 0;
}
