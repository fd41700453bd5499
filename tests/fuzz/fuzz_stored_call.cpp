// The stored-call codec (and the stats codec next to it). Arbitrary bytes
// must decode cleanly or not at all, into views inside the bytes; a decoded
// header re-encodes to the same header. Then the input is read as a call to
// store (header fields, a sequence, a record JSON): encode_stored_call must
// fill exactly stored_call_size bytes, decode back to what went in, and keep
// a record that is a JSON object an object, with "id" put first.
#include <string>

#include "fuzz_common.h"
#include "store/store.h"

namespace voxfra::fuzz {
namespace {

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

std::string encode(const PendingCall& call, std::uint64_t sequence) {
  const std::size_t size = stored_call_size(call);
  // One guard byte: encode_stored_call must write exactly `size` bytes.
  std::string out(size + 1, '\x5a');
  encode_stored_call(call, sequence, out.data());
  FUZZ_CHECK(out[size] == '\x5a');
  out.resize(size);
  return out;
}

PendingCall pending_from(const StoredCall& stored, std::string_view record_json) {
  PendingCall call;
  call.idempotency_key = "fuzz-key";
  call.record_json = record_json;
  call.provider = stored.provider;
  call.received_at = stored.received_at;
  call.org = stored.org;
  call.client = stored.client;
  call.call_id = stored.call_id;
  call.event = stored.event;
  return call;
}

bool same_header(const StoredCall& a, const StoredCall& b) {
  return a.provider == b.provider && a.received_at == b.received_at && a.org == b.org &&
         a.client == b.client && a.call_id == b.call_id && a.event == b.event;
}

void check_arbitrary(std::string_view bytes) {
  StoredCall decoded;
  if (!decode_stored_call(bytes, decoded)) return;
  FUZZ_CHECK(inside(decoded.org, bytes) && inside(decoded.client, bytes) && inside(decoded.call_id, bytes) &&
             inside(decoded.event, bytes) && inside(decoded.json, bytes));
  FUZZ_CHECK(!decoded.json.empty());
  const std::string encoded = encode(pending_from(decoded, decoded.json), 7);
  StoredCall again;
  FUZZ_CHECK(decode_stored_call(encoded, again));
  FUZZ_CHECK(same_header(decoded, again));
  FUZZ_CHECK(again.json.substr(0, 7) == "{\"id\":\"");
}

void check_stats(std::string_view bytes) {
  EndpointStats stats;
  if (!decode_stats(bytes, stats)) return;
  EndpointStats again;
  FUZZ_CHECK(decode_stats(encode_stats(stats), again));
  FUZZ_CHECK(again.requests == stats.requests && again.accepted == stats.accepted &&
             again.duplicate == stats.duplicate && again.ignored == stats.ignored &&
             again.rejected == stats.rejected && again.rejected_by == stats.rejected_by &&
             again.last_used_at == stats.last_used_at);
}

// The members of an object, in order.
std::vector<std::pair<std::string_view, simdjson::dom::element>> members(simdjson::dom::object o) {
  std::vector<std::pair<std::string_view, simdjson::dom::element>> out;
  for (auto member : o) out.emplace_back(member.key, member.value);
  return out;
}

void check_round_trip(Input in) {
  static const std::vector<Provider> providers = all_providers();
  StoredCall header;
  header.provider = providers[in.u8() % providers.size()];
  header.received_at = static_cast<UnixMillis>(in.u64());
  const std::uint64_t sequence = in.u64();
  header.org = in.text();
  header.client = in.text();
  header.call_id = in.text();
  header.event = in.text();
  const std::string_view record_json = in.rest();

  const std::string encoded = encode(pending_from(header, record_json), sequence);
  StoredCall decoded;
  FUZZ_CHECK(decode_stored_call(encoded, decoded));
  FUZZ_CHECK(same_header(header, decoded));
  const std::string id = record_id(sequence);
  FUZZ_CHECK(decoded.json.substr(0, 7) == "{\"id\":\"" && decoded.json.substr(7, 16) == id);
  FUZZ_CHECK(parse_record_id(id) == sequence);

  // A record that is a JSON object stays one, with "id" in front of the
  // members it had.
  simdjson::dom::parser parser;
  const simdjson::padded_string original_text = padded(record_json);
  simdjson::dom::object original;
  if (parser.parse(original_text).get(original) || record_json.front() != '{') return;
  simdjson::dom::parser stored_parser;
  const simdjson::padded_string stored_text = padded(decoded.json);
  simdjson::dom::object stored;
  FUZZ_CHECK(!must_parse(stored_parser, stored_text).get(stored));
  auto before = members(original);
  auto after = members(stored);
  FUZZ_CHECK(after.size() == before.size() + 1);
  std::string_view stored_id;
  FUZZ_CHECK(after[0].first == "id" && !after[0].second.get_string().get(stored_id) && stored_id == id);
  for (std::size_t i = 0; i < before.size(); ++i) {
    FUZZ_CHECK(before[i].first == after[i + 1].first && json_equal(before[i].second, after[i + 1].second));
  }
}

}  // namespace
}  // namespace voxfra::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace voxfra::fuzz;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_arbitrary(bytes);
  check_stats(bytes);
  check_round_trip(Input(data, size));
  return 0;
}
