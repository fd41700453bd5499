// What becomes of a body the core processed (docs/design.md, "The request
// contract", the rows after the body): the rate window of an endpoint that
// verifies signatures is settled first, whatever the verdict; then a
// refusal is answered, a call the zone saw stored is a duplicate, and any
// other call goes to the write queue. C++17: the glue includes it.
#pragma once
#include <cstdint>
#include <string_view>

#include "ingest/ingest.h"
#include "store/endpoint.h"

namespace voxfra {

// Asked of the worker's zone, in this order, only when the order reaches them.
class AfterBodyQuestions {
 public:
  // Settles the request admission counted (ZoneState::settle); false: over the limit.
  virtual bool settle_rate(bool signature_ok) = 0;
  // Whether the zone remembers the call with this idempotency key stored
  // within the idempotency window, with the sequence it was stored under.
  virtual bool seen_stored(std::string_view idempotency_key, std::uint64_t& sequence) = 0;

 protected:
  ~AfterBodyQuestions() = default;
};

struct AfterBody {
  enum class Next {
    answer,        // the core's verdict, as IngestResult says
    rate_limited,  // the settled window refused it
    duplicate,     // stored before, at `stored_sequence`
    queue,         // to be stored by the group commit
  };
  Next next = Next::answer;
  std::uint64_t stored_sequence = 0;
};

AfterBody after_body(const EndpointView& endpoint, const IngestResult& result, AfterBodyQuestions& ask);

}  // namespace voxfra
