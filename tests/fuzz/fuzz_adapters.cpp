// Every provider adapter, through the whole body → verdict path that the
// module runs (Ingestor::process). The first byte picks the provider among
// those with an adapter: its low 7 bits are a Provider value (so that seeds
// keep their provider as adapters are added: 1 vapi, 8 custom, …), or else
// pick one by their remainder. With its high bit set, "Name: value" header
// lines and an empty line come before the body (VoiceInfra reads its event
// from a header). Whatever the body, process() must not crash or leak, a
// rejection's details must be a JSON array, and an accepted call's record
// must parse back, carry the context it was given, and still parse once
// stored (with its id in front) and merged; its call id and event must be
// fit for a key (no control character, within the limits).
#include <memory_resource>
#include <string_view>
#include <vector>

#include "fuzz_common.h"
#include "ingest/ingest.h"
#include "providers/adapter.h"
#include "record/record_merge.h"
#include "store/key_fields.h"
#include "store/store.h"

namespace voxfra::fuzz {
namespace {

void check_accepted(const IngestResult& r, const EndpointView& endpoint) {
  using simdjson::dom::element;
  FUZZ_CHECK(r.reason == Reason::none);
  const PendingCall& call = r.call;
  FUZZ_CHECK(!call.idempotency_key.empty());
  FUZZ_CHECK(call.provider == endpoint.provider);
  touch(call.idempotency_key);
  touch(call.call_id);
  touch(call.event);
  // What enters the call index's key is unambiguous and fits LMDB
  // (store/key_fields.h), whatever the body held.
  FUZZ_CHECK(key_field_problem(KeyField::call_id, call.call_id).empty());
  FUZZ_CHECK(key_field_problem(KeyField::event, call.event).empty());
  FUZZ_CHECK(call.idempotency_key.size() <= kMaxIdempotencyKeySize);

  simdjson::dom::parser parser;
  const simdjson::padded_string json = padded(call.record_json);
  element record = must_parse(parser, json);
  FUZZ_CHECK(record.is_object());
  std::string_view text;
  FUZZ_CHECK(!record["org"].get_string().get(text) && text == endpoint.org);
  FUZZ_CHECK(!record["client"].get_string().get(text) && text == endpoint.client);
  FUZZ_CHECK(!record["endpoint"].get_string().get(text) && text == endpoint.id);
  FUZZ_CHECK(!record["provider"].get_string().get(text) && text == provider_name(endpoint.provider));
  // The id the verdict reports is the one stored, where it is valid UTF-8
  // (the writer replaces what is not).
  if (simdjson::validate_utf8(r.call_id.data(), r.call_id.size())) {
    FUZZ_CHECK(!record["callId"].get_string().get(text) && text == r.call_id);
  }

  // The stored form: "id" put in front of the record, still one object.
  constexpr std::uint64_t kSequence = 0x2a;
  std::string stored(stored_call_size(call), '\0');
  encode_stored_call(call, kSequence, stored.data());
  StoredCall decoded;
  FUZZ_CHECK(decode_stored_call(stored, decoded));
  simdjson::dom::parser stored_parser;
  const simdjson::padded_string stored_json = padded(decoded.json);
  element stored_record = must_parse(stored_parser, stored_json);
  FUZZ_CHECK(!stored_record["id"].get_string().get(text) && text == record_id(kSequence));

  // Listings merge revisions of one call; two copies merge into one object.
  const std::string_view revisions[] = {decoded.json, decoded.json};
  const std::string merged = merge_call_revisions(revisions);
  simdjson::dom::parser merged_parser;
  const simdjson::padded_string merged_json = padded(merged);
  FUZZ_CHECK(must_parse(merged_parser, merged_json).is_object());
}

}  // namespace
}  // namespace voxfra::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace voxfra;
  using namespace voxfra::fuzz;
  static const std::vector<Provider> providers = all_providers();
  // One per worker in the module, reused across requests: so here too.
  static Ingestor* const ingestor = new Ingestor();
  if (size == 0) return 0;
  constexpr std::uint8_t kHeadersFollow = 0x80;
  const std::uint8_t provider_byte = data[0] & ~kHeadersFollow;

  EndpointView endpoint;
  endpoint.id = "ep_0123456789abcdef";
  endpoint.org = "fuzz-org";
  endpoint.client = "fuzz-client";
  endpoint.provider = providers[provider_byte % providers.size()];
  for (Provider p : providers) {
    if (static_cast<std::uint8_t>(p) == provider_byte) endpoint.provider = p;
  }
  endpoint.status = EndpointStatus::active;

  Headers headers;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & kHeadersFollow) text = headers.parse(text);
  // The body with the readable padding the glue guarantees, in a buffer of
  // its own so that ASan sees any read past the padding.
  const std::size_t body_size = text.size();
  std::vector<char> body(body_size + kBodyPadding + simdjson::SIMDJSON_PADDING);
  std::memcpy(body.data(), text.data(), body_size);

  IngestRequest request;
  request.request_id = "0123456789abcdef0123456789abcdef";
  request.received_at = kNowMillis;
  request.headers = &headers;
  request.body = body.data();
  request.body_size = body_size;

  std::pmr::monotonic_buffer_resource arena(4096);
  IngestResult r = ingestor->process(endpoint, request, &arena);
  touch(r.event);
  // VOXFRA_FUZZ_VERBOSE=1 build-fuzz/fuzz_adapters FILE…: what each input became.
  static const bool verbose = std::getenv("VOXFRA_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    const std::string_view shown = r.outcome == Outcome::accepted ? r.call.record_json : r.details_json;
    std::fprintf(stderr, "%s: %s %s %.*s\n", std::string(provider_name(endpoint.provider)).c_str(),
                 std::string(outcome_name(r.outcome)).c_str(), std::string(reason_name(r.reason)).c_str(),
                 static_cast<int>(std::min<std::size_t>(shown.size(), 300)), shown.data());
  }
  switch (r.outcome) {
    case Outcome::accepted: check_accepted(r, endpoint); break;
    case Outcome::ignored: FUZZ_CHECK(r.reason == Reason::none); break;
    case Outcome::rejected: {
      FUZZ_CHECK(r.reason != Reason::none);
      if (!r.details_json.empty()) {
        simdjson::dom::parser parser;
        const simdjson::padded_string details = padded(r.details_json);
        FUZZ_CHECK(must_parse(parser, details).is_array());
      }
      break;
    }
    case Outcome::duplicate: FUZZ_CHECK(false && "process() never decides duplicates"); break;
  }
  return 0;
}
