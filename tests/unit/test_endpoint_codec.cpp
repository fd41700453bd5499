#include <gtest/gtest.h>

#include "store/endpoint.h"

namespace voxfra {
namespace {

Endpoint sample_endpoint() {
  Endpoint e;
  e.slug = "not-encoded";
  e.id = "ep_0123456789abcdef";
  e.org = "acme";
  e.client = "dental";
  e.provider = Provider::livekit;
  e.status = EndpointStatus::inactive;
  e.secrets = {{"whsec_current", 0}, {"whsec_old", 1'700'000'000'000}};
  e.allow = {"10.0.0.0/8", "2001:db8::/32"};
  e.rate_limit = 120;
  e.api_key = "APIkey123";
  e.replaced_by = "newslug";
  e.created_at = 1'600'000'000'000;
  e.updated_at = 1'600'000'000'500;
  return e;
}

TEST(EndpointCodec, RoundTripKeepsEveryField) {
  Endpoint in = sample_endpoint();
  Endpoint out;
  out.slug = "key-from-db";
  ASSERT_TRUE(decode_endpoint(encode_endpoint(in), out));
  EXPECT_EQ(out.slug, "key-from-db");  // the slug is the key, not part of the value
  EXPECT_EQ(out.id, in.id);
  EXPECT_EQ(out.org, in.org);
  EXPECT_EQ(out.client, in.client);
  EXPECT_EQ(out.provider, in.provider);
  EXPECT_EQ(out.status, in.status);
  ASSERT_EQ(out.secrets.size(), 2u);
  EXPECT_EQ(out.secrets[0].value, "whsec_current");
  EXPECT_EQ(out.secrets[0].expires_at, 0);
  EXPECT_EQ(out.secrets[1].value, "whsec_old");
  EXPECT_EQ(out.secrets[1].expires_at, 1'700'000'000'000);
  EXPECT_EQ(out.allow, in.allow);
  EXPECT_EQ(out.rate_limit, 120u);
  EXPECT_EQ(out.api_key, in.api_key);
  EXPECT_EQ(out.replaced_by, in.replaced_by);
  EXPECT_EQ(out.created_at, in.created_at);
  EXPECT_EQ(out.updated_at, in.updated_at);
}

TEST(EndpointCodec, MinimalRecordRoundTrips) {
  Endpoint in;
  in.id = "ep_1";
  in.org = "o";
  in.client = "c";
  Endpoint out;
  ASSERT_TRUE(decode_endpoint(encode_endpoint(in), out));
  EXPECT_TRUE(out.secrets.empty());
  EXPECT_TRUE(out.allow.empty());
  EXPECT_EQ(out.rate_limit, 0u);
  EXPECT_EQ(out.status, EndpointStatus::active);
}

TEST(EndpointCodec, ViewPointsIntoTheEncodedBytes) {
  std::string bytes = encode_endpoint(sample_endpoint());
  EndpointView view;
  ASSERT_TRUE(decode_endpoint_view(bytes, view));
  EXPECT_EQ(view.id, "ep_0123456789abcdef");
  EXPECT_EQ(view.org, "acme");
  EXPECT_EQ(view.client, "dental");
  EXPECT_EQ(view.provider, Provider::livekit);
  EXPECT_EQ(view.status, EndpointStatus::inactive);
  EXPECT_EQ(view.rate_limit, 120u);
  EXPECT_EQ(view.api_key, "APIkey123");
  ASSERT_EQ(view.secret_count, 2u);
  EXPECT_EQ(view.secrets[0].value, "whsec_current");
  EXPECT_EQ(view.secrets[1].expires_at, 1'700'000'000'000);
  ASSERT_EQ(view.allow_count, 2u);
  EXPECT_EQ(view.allow[1], "2001:db8::/32");
  // Zero copies: the views lie inside the buffer.
  EXPECT_GE(view.org.data(), bytes.data());
  EXPECT_LT(view.org.data(), bytes.data() + bytes.size());
}

TEST(EndpointCodec, ViewRefusesMoreEntriesThanItHolds) {
  Endpoint e = sample_endpoint();
  e.allow.assign(EndpointView::kMaxAllow + 1, "10.0.0.0/8");
  EndpointView view;
  EXPECT_FALSE(decode_endpoint_view(encode_endpoint(e), view));

  e = sample_endpoint();
  e.secrets.assign(EndpointView::kMaxSecrets + 1, {"s", 0});
  EXPECT_FALSE(decode_endpoint_view(encode_endpoint(e), view));
  Endpoint owning;
  EXPECT_TRUE(decode_endpoint(encode_endpoint(e), owning));  // the CLI still reads it
}

TEST(EndpointCodec, UnknownTagIsSkipped) {
  std::string bytes = encode_endpoint(sample_endpoint());
  // A field from a newer writer: tag 200, 3 bytes.
  bytes.insert(1, std::string("\xc8\x03\x00\x00\x00xyz", 8));
  Endpoint out;
  ASSERT_TRUE(decode_endpoint(bytes, out));
  EXPECT_EQ(out.org, "acme");
  EndpointView view;
  ASSERT_TRUE(decode_endpoint_view(bytes, view));
  EXPECT_EQ(view.client, "dental");
}

TEST(EndpointCodec, TruncatedInputIsRejected) {
  std::string bytes = encode_endpoint(sample_endpoint());
  // The version byte, then id, org, client, provider and status (5 bytes of
  // tag and length each): every record cut before their end is unusable.
  const std::size_t required_end = 1 + (5 + 19) + (5 + 4) + (5 + 6) + (5 + 1) + (5 + 1);
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    Endpoint out;
    EndpointView view;
    std::string_view cut(bytes.data(), size);
    // Cut at a field boundary, a record may still carry every required
    // field; cut anywhere else, it never decodes.
    bool owning_ok = decode_endpoint(cut, out);
    EXPECT_EQ(owning_ok, decode_endpoint_view(cut, view)) << size;
    if (size < required_end) {
      EXPECT_FALSE(owning_ok) << size;
    }
    if (owning_ok) {
      EXPECT_EQ(out.org, "acme") << size;
    }
  }
}

TEST(EndpointCodec, RejectsOtherVersionsAndBadValues) {
  std::string bytes = encode_endpoint(sample_endpoint());
  Endpoint out;
  bytes[0] = 2;
  EXPECT_FALSE(decode_endpoint(bytes, out));

  Endpoint e = sample_endpoint();
  e.provider = static_cast<Provider>(99);
  EXPECT_FALSE(decode_endpoint(encode_endpoint(e), out));
  e = sample_endpoint();
  e.status = static_cast<EndpointStatus>(0);
  EXPECT_FALSE(decode_endpoint(encode_endpoint(e), out));
}

TEST(EndpointCodec, RecordWithoutRequiredFieldsIsRejected) {
  // Only a version byte: must not read as an active endpoint with defaults.
  Endpoint out;
  EXPECT_FALSE(decode_endpoint(std::string_view("\x01", 1), out));
  EndpointView view;
  EXPECT_FALSE(decode_endpoint_view(std::string_view("\x01", 1), view));
}

TEST(EndpointCodec, StatusNames) {
  EXPECT_EQ(endpoint_status_name(EndpointStatus::active), "active");
  EXPECT_EQ(endpoint_status_name(EndpointStatus::inactive), "inactive");
  EXPECT_EQ(endpoint_status_name(EndpointStatus::revoked), "revoked");
}

}  // namespace
}  // namespace voxfra
