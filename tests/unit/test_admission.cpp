// The request contract's checks before the body (voxfra::admit), in the
// order of docs/design.md's table: each test sends a request that fails two
// rows and expects the earlier one, and checks that what a later row would
// cost (a lookup, a rate budget) is not spent.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/admission.h"

namespace voxfra {
namespace {

const unsigned char kLoopback[4] = {127, 0, 0, 1};

class Questions final : public AdmissionQuestions {
 public:
  bool store = true;
  Lookup lookup = Lookup::found;
  EndpointView endpoint;
  RateVerdict rate;
  std::vector<std::string> asked;

  Questions() {
    endpoint.provider = Provider::vapi;
    endpoint.status = EndpointStatus::active;
  }
  bool store_available() override {
    asked.push_back("store");
    return store;
  }
  Lookup find_endpoint(EndpointView& out) override {
    asked.push_back("lookup");
    if (lookup == Lookup::found) out = endpoint;
    return lookup;
  }
  RateVerdict check_rate(const EndpointView&) override {
    asked.push_back("rate");
    return rate;
  }
};

// Passes every row.
RequestFacts good_request() {
  RequestFacts r;
  r.post = true;
  r.content_type_sent = true;
  r.content_type = "application/json";
  r.provider = "vapi";
  r.client_address = kLoopback;
  r.client_address_size = sizeof kLoopback;
  r.declared_length = 100;
  r.max_body = 1000;
  return r;
}

Admission run(const RequestFacts& r, Questions& q) {
  EndpointView out;
  return admit(r, q, out);
}

using Asked = std::vector<std::string>;

TEST(Admission, AGoodRequestGoesOnAfterEveryQuestion) {
  Questions q;
  Admission a = run(good_request(), q);
  EXPECT_TRUE(a.go_on());
  EXPECT_TRUE(a.endpoint_found);
  EXPECT_EQ(q.asked, (Asked{"store", "lookup", "rate"}));
}

TEST(Admission, MethodComesBeforeContentTypeAndAsksNothing) {
  Questions q;
  RequestFacts r = good_request();
  r.post = false;
  r.content_type = "text/plain";
  EXPECT_EQ(run(r, q).reason, Reason::method_not_allowed);
  EXPECT_TRUE(q.asked.empty());
}

TEST(Admission, ContentTypeComesBeforeTheStoreAndTheLookup) {
  Questions q;
  q.store = false;
  RequestFacts r = good_request();
  r.content_type = "text/plain";
  EXPECT_EQ(run(r, q).reason, Reason::unsupported_media_type);
  EXPECT_TRUE(q.asked.empty());
}

TEST(Admission, NoContentTypeIsReadAsJsonButAnEmptyOneIsNot) {
  Questions q;
  RequestFacts r = good_request();
  r.content_type_sent = false;
  r.content_type = {};
  EXPECT_TRUE(run(r, q).go_on());
  r.content_type_sent = true;
  EXPECT_EQ(run(r, q).reason, Reason::unsupported_media_type);
}

TEST(Admission, JsonContentTypes) {
  EXPECT_TRUE(json_content_type("application/json"));
  EXPECT_TRUE(json_content_type(" Application/JSON ; charset=utf-8"));
  EXPECT_TRUE(json_content_type("application/webhook+json"));
  EXPECT_FALSE(json_content_type("application/+json"));
  EXPECT_FALSE(json_content_type("text/json"));
  EXPECT_FALSE(json_content_type(""));
}

TEST(Admission, AnUnavailableStoreFailsBeforeTheLookup) {
  Questions q;
  q.store = false;
  EXPECT_EQ(run(good_request(), q).reason, Reason::storage_failed);
  EXPECT_EQ(q.asked, (Asked{"store"}));
}

TEST(Admission, AFailedLookupIsAStorageFailure) {
  Questions q;
  q.lookup = AdmissionQuestions::Lookup::failed;
  Admission a = run(good_request(), q);
  EXPECT_EQ(a.reason, Reason::storage_failed);
  EXPECT_FALSE(a.endpoint_found);
}

TEST(Admission, UnknownInactiveRevokedAndWrongProviderAreOneNotFoundBeforeTheAllowlist) {
  const unsigned char outside[4] = {10, 0, 0, 1};
  for (int variant = 0; variant < 4; ++variant) {
    Questions q;
    q.endpoint.allow[0] = "192.0.2.0/24";
    q.endpoint.allow_count = 1;
    RequestFacts r = good_request();
    r.client_address = outside;
    if (variant == 0) q.lookup = AdmissionQuestions::Lookup::not_found;
    if (variant == 1) q.endpoint.status = EndpointStatus::inactive;
    if (variant == 2) q.endpoint.status = EndpointStatus::revoked;
    if (variant == 3) r.provider = "retell";
    Admission a = run(r, q);
    EXPECT_EQ(a.reason, Reason::not_found) << variant;
    EXPECT_FALSE(a.endpoint_found) << variant;
    EXPECT_EQ(q.asked, (Asked{"store", "lookup"})) << variant;
  }
}

TEST(Admission, AllowlistComesBeforeTheRateAndSpendsNoBudget) {
  Questions q;
  q.endpoint.allow[0] = "192.0.2.0/24";
  q.endpoint.allow_count = 1;
  q.rate.allowed = false;
  Admission a = run(good_request(), q);
  EXPECT_EQ(a.reason, Reason::forbidden);
  EXPECT_TRUE(a.endpoint_found);  // counted for its endpoint
  EXPECT_EQ(q.asked, (Asked{"store", "lookup"}));

  const unsigned char inside[4] = {192, 0, 2, 7};
  RequestFacts r = good_request();
  r.client_address = inside;
  EXPECT_EQ(run(r, q).reason, Reason::rate_limited);
}

TEST(Admission, RateComesBeforeTheBodySizeAndMayCloseTheConnection) {
  Questions q;
  q.rate.allowed = false;
  q.rate.close = true;
  RequestFacts r = good_request();
  r.declared_length = r.max_body + 1;
  Admission a = run(r, q);
  EXPECT_EQ(a.reason, Reason::rate_limited);
  EXPECT_TRUE(a.close);
}

TEST(Admission, ADeclaredBodyOverTheLimitIsTooLargeAfterTheEndpointChecks) {
  Questions q;
  RequestFacts r = good_request();
  r.declared_length = r.max_body + 1;
  EXPECT_EQ(run(r, q).reason, Reason::body_too_large);
  EXPECT_EQ(q.asked, (Asked{"store", "lookup", "rate"}));
  r.declared_length = r.max_body;
  EXPECT_TRUE(run(r, q).go_on());
  r.declared_length = -1;  // chunked: limited while it is read
  EXPECT_TRUE(run(r, q).go_on());

  // An unknown slug answers 404 whatever its size.
  q.lookup = AdmissionQuestions::Lookup::not_found;
  r.declared_length = r.max_body * 10;
  EXPECT_EQ(run(r, q).reason, Reason::not_found);
}

TEST(Admission, TheRouteIsThePathsLastTwoSegments) {
  Route r = route_from_path("/webhooks/vapi/abc123");
  EXPECT_EQ(r.provider, "vapi");
  EXPECT_EQ(r.slug, "abc123");
  r = route_from_path("/in/deep/webhooks/retell/s1//");  // trailing slashes ignored
  EXPECT_EQ(r.provider, "retell");
  EXPECT_EQ(r.slug, "s1");
  r = route_from_path("/only");
  EXPECT_EQ(r.provider, "");
  EXPECT_EQ(r.slug, "only");
  r = route_from_path("");
  EXPECT_EQ(r.provider, "");
  EXPECT_EQ(r.slug, "");
}

}  // namespace
}  // namespace voxfra
