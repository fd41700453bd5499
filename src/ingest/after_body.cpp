#include "ingest/after_body.h"

namespace voxfra {

AfterBody after_body(const EndpointView& endpoint, const IngestResult& result, AfterBodyQuestions& ask) {
  AfterBody step;
  // An endpoint with a secret counts verified requests only, so that
  // forgeries cannot spend its budget: the request is settled once the
  // signature was checked, before any answer.
  if (endpoint.secret_count > 0 && !ask.settle_rate(result.reason != Reason::bad_signature)) {
    step.next = AfterBody::Next::rate_limited;
    return step;
  }
  if (result.outcome != Outcome::accepted) return step;
  // The fast path: a delivery of a call this zone saw stored. LMDB's call
  // index stays the truth for everything the zone does not know.
  step.next = ask.seen_stored(result.call.idempotency_key, step.stored_sequence) ? AfterBody::Next::duplicate
                                                                           : AfterBody::Next::queue;
  return step;
}

}  // namespace voxfra
