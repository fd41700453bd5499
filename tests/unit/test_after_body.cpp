// The request contract's rows after the body (voxfra::after_body): the
// rate window of a verifying endpoint is settled before any answer, a
// refusal asks nothing of the zone's idempotency keys, a call the zone saw
// stored is a duplicate, any other goes to the write queue.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/after_body.h"

namespace voxfra {
namespace {

class Questions final : public AfterBodyQuestions {
 public:
  bool rate_allowed = true;
  bool seen = false;
  std::uint64_t stored = 0;
  std::vector<std::string> asked;
  std::string seen_key;

  bool settle_rate(bool signature_ok) override {
    asked.push_back(signature_ok ? "settle ok" : "settle failed");
    return rate_allowed;
  }
  bool seen_stored(std::string_view key, std::uint64_t& sequence) override {
    asked.push_back("seen");
    seen_key = std::string(key);
    if (seen) sequence = stored;
    return seen;
  }
};

using Asked = std::vector<std::string>;

EndpointView endpoint_with_secrets(int secrets) {
  EndpointView e;
  e.secret_count = secrets;
  return e;
}

IngestResult accepted_call() {
  IngestResult r;
  r.outcome = Outcome::accepted;
  r.reason = Reason::none;
  r.call.idempotency_key = "vapi|ep|call-1|end-of-call";
  return r;
}

IngestResult refused(Reason reason) {
  IngestResult r;
  r.outcome = Outcome::rejected;
  r.reason = reason;
  return r;
}

TEST(AfterBody, ANewCallIsLookedUpByItsKeyAndQueued) {
  Questions q;
  AfterBody step = after_body(endpoint_with_secrets(0), accepted_call(), q);
  EXPECT_EQ(step.next, AfterBody::Next::queue);
  EXPECT_EQ(q.asked, (Asked{"seen"}));
  EXPECT_EQ(q.seen_key, "vapi|ep|call-1|end-of-call");
}

TEST(AfterBody, ACallTheZoneSawStoredIsADuplicateWithItsSequence) {
  Questions q;
  q.seen = true;
  q.stored = 42;
  AfterBody step = after_body(endpoint_with_secrets(0), accepted_call(), q);
  EXPECT_EQ(step.next, AfterBody::Next::duplicate);
  EXPECT_EQ(step.stored_sequence, 42u);
}

TEST(AfterBody, AnEndpointWithoutASecretSettlesNothing) {
  Questions q;
  after_body(endpoint_with_secrets(0), accepted_call(), q);
  EXPECT_EQ(q.asked, (Asked{"seen"}));
}

TEST(AfterBody, AVerifyingEndpointSettlesBeforeTheIdempotencyKeys) {
  Questions q;
  AfterBody step = after_body(endpoint_with_secrets(1), accepted_call(), q);
  EXPECT_EQ(step.next, AfterBody::Next::queue);
  EXPECT_EQ(q.asked, (Asked{"settle ok", "seen"}));
}

TEST(AfterBody, ABadSignatureSettlesAsAFailureAndIsAnswered) {
  Questions q;
  EXPECT_EQ(after_body(endpoint_with_secrets(1), refused(Reason::bad_signature), q).next, AfterBody::Next::answer);
  EXPECT_EQ(q.asked, (Asked{"settle failed"}));
}

TEST(AfterBody, ARefusedBodySettlesAsVerifiedButIsNotLookedUp) {
  Questions q;
  EXPECT_EQ(after_body(endpoint_with_secrets(2), refused(Reason::invalid_payload), q).next, AfterBody::Next::answer);
  EXPECT_EQ(q.asked, (Asked{"settle ok"}));
}

TEST(AfterBody, OverTheSettledLimitIsRateLimitedWhateverTheVerdict) {
  Questions q;
  q.rate_allowed = false;
  q.seen = true;
  EXPECT_EQ(after_body(endpoint_with_secrets(1), accepted_call(), q).next, AfterBody::Next::rate_limited);
  EXPECT_EQ(q.asked, (Asked{"settle ok"}));
  EXPECT_EQ(after_body(endpoint_with_secrets(1), refused(Reason::bad_signature), q).next,
            AfterBody::Next::rate_limited);
}

}  // namespace
}  // namespace voxfra
