#include "ingest/stats_accumulator.h"

#include <unordered_map>

namespace voxfra {

namespace {
// Transparent hashing: looking a slug up by string_view allocates nothing.
struct SlugHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
}  // namespace

struct StatsAccumulator::Impl {
  std::unordered_map<std::string, EndpointStats, SlugHash, std::equal_to<>> deltas;
};

StatsAccumulator::StatsAccumulator() : impl_(std::make_unique<Impl>()) {}
StatsAccumulator::~StatsAccumulator() = default;

void StatsAccumulator::count(std::string_view slug, Outcome outcome, Reason reason, UnixMillis at) {
  auto it = impl_->deltas.find(slug);
  if (it == impl_->deltas.end()) it = impl_->deltas.emplace(std::string(slug), EndpointStats{}).first;
  it->second.count(outcome, reason, at);
}

bool StatsAccumulator::empty() const { return impl_->deltas.empty(); }

void StatsAccumulator::take(std::vector<std::pair<std::string, EndpointStats>>& out) {
  out.clear();
  out.reserve(impl_->deltas.size());
  for (auto& [slug, delta] : impl_->deltas) out.emplace_back(slug, delta);
  impl_->deltas.clear();
}

void StatsAccumulator::give_back(const std::vector<std::pair<std::string, EndpointStats>>& deltas) {
  for (const auto& [slug, delta] : deltas) impl_->deltas[slug].add(delta);
}

}  // namespace voxfra
