#include "base/endpoint_stats.h"

#include <algorithm>
#include <cstddef>

namespace voxfra {

void EndpointStats::count(Outcome o, Reason r, UnixMillis at) {
  ++requests;
  switch (o) {
    case Outcome::accepted: ++accepted; break;
    case Outcome::duplicate: ++duplicate; break;
    case Outcome::ignored: ++ignored; break;
    case Outcome::rejected:
      ++rejected;
      if (static_cast<std::size_t>(r) < kReasonCount) ++rejected_by[static_cast<std::size_t>(r)];
      break;
  }
  last_used_at = std::max(last_used_at, at);
}

void EndpointStats::add(const EndpointStats& delta) {
  requests += delta.requests;
  accepted += delta.accepted;
  duplicate += delta.duplicate;
  ignored += delta.ignored;
  rejected += delta.rejected;
  for (std::size_t i = 0; i < kReasonCount; ++i) rejected_by[i] += delta.rejected_by[i];
  last_used_at = std::max(last_used_at, delta.last_used_at);
}

}  // namespace voxfra
