#include <gtest/gtest.h>

#include <string>

#include "store/store.h"

namespace voxfra {
namespace {

PendingCall sample_call(std::string_view json) {
  PendingCall call;
  call.idempotency_key = "key";
  call.record_json = json;
  call.provider = Provider::retell;
  call.received_at = 1'732'349'882'512;
  call.org = "acme";
  call.client = "dental";
  call.call_id = "call-1";
  call.event = "call_ended";
  return call;
}

std::string encode(const PendingCall& call, std::uint64_t seq) {
  std::string out(stored_call_size(call), '\xff');
  encode_stored_call(call, seq, out.data());
  return out;
}

TEST(StoredCall, RoundTrip) {
  PendingCall call = sample_call(R"({"callId":"call-1","durationSeconds":12})");
  std::string bytes = encode(call, 0x2a);
  StoredCall out;
  ASSERT_TRUE(decode_stored_call(bytes, out));
  EXPECT_EQ(out.provider, Provider::retell);
  EXPECT_EQ(out.received_at, call.received_at);
  EXPECT_EQ(out.org, "acme");
  EXPECT_EQ(out.client, "dental");
  EXPECT_EQ(out.call_id, "call-1");
  EXPECT_EQ(out.event, "call_ended");
  EXPECT_EQ(out.json, R"({"id":"000000000000002a","callId":"call-1","durationSeconds":12})");
}

TEST(StoredCall, SizeIsExact) {
  for (std::string_view json : {R"({"a":1})", "{}", "{ }", "{\n}"}) {
    PendingCall call = sample_call(json);
    std::string bytes = encode(call, 1);
    EXPECT_EQ(bytes.find('\xff'), std::string::npos) << json;  // every reserved byte written
    StoredCall out;
    ASSERT_TRUE(decode_stored_call(bytes, out)) << json;
    EXPECT_EQ(out.json.back(), '}') << json;
  }
}

TEST(StoredCall, EmptyObjectStaysValidJson) {
  StoredCall out;
  std::string bytes = encode(sample_call("{}"), 1);  // `out` views into it
  ASSERT_TRUE(decode_stored_call(bytes, out));
  EXPECT_EQ(out.json, R"({"id":"0000000000000001"})");
  bytes = encode(sample_call("{ }"), 1);
  ASSERT_TRUE(decode_stored_call(bytes, out));
  EXPECT_EQ(out.json, R"({"id":"0000000000000001" })");
}

TEST(StoredCall, TruncatedOrForeignBytesAreRejected) {
  std::string bytes = encode(sample_call(R"({"a":1})"), 1);
  StoredCall out;
  EXPECT_FALSE(decode_stored_call("", out));
  EXPECT_FALSE(decode_stored_call(std::string_view(bytes.data(), 12), out));
  bytes[0] = 9;
  EXPECT_FALSE(decode_stored_call(bytes, out));
}

TEST(StoredCall, RecordIds) {
  EXPECT_EQ(record_id(1), "0000000000000001");
  EXPECT_EQ(record_id(0xfedcba9876543210ull), "fedcba9876543210");
  EXPECT_EQ(parse_record_id("000000000000002a"), 42u);
  EXPECT_EQ(parse_record_id(record_id(0xfedcba9876543210ull)), 0xfedcba9876543210ull);
  EXPECT_FALSE(parse_record_id("2a"));
  EXPECT_FALSE(parse_record_id("000000000000002g"));
  EXPECT_FALSE(parse_record_id("0000000000000002a"));
  EXPECT_FALSE(parse_record_id(""));
}

TEST(StoredCall, IdempotencyKeyJoinsItsPartsWithNul) {
  std::string key = "prefix:";
  make_idempotency_key(key, "acme", "dental", Provider::vapi, "c1", "end-of-call-report");
  static constexpr char kExpected[] = "prefix:acme\0dental\0vapi\0c1\0end-of-call-report";
  EXPECT_EQ(key, std::string(kExpected, sizeof kExpected - 1));
}

}  // namespace
}  // namespace voxfra
