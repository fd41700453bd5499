// The stored form of an endpoint's counters (base/endpoint_stats.h).
#include "store/bytes.h"
#include "store/lmdb_util.h"
#include "store/store.h"

namespace voxfra {

namespace {

constexpr std::uint8_t kStatsVersion = 1;
constexpr std::size_t kOutcomeCounters = 5;  // requests, accepted, duplicate, ignored, rejected

}  // namespace

std::string encode_stats(const EndpointStats& s) {
  std::string out;
  out.reserve(2 + 8 + 8 * (kOutcomeCounters + kReasonCount));
  out.push_back(static_cast<char>(kStatsVersion));
  out.push_back(static_cast<char>(kReasonCount));
  bytes::append_u64le(out, static_cast<std::uint64_t>(s.last_used_at));
  for (std::uint64_t n : {s.requests, s.accepted, s.duplicate, s.ignored, s.rejected}) {
    bytes::append_u64le(out, n);
  }
  for (std::uint64_t n : s.rejected_by) bytes::append_u64le(out, n);
  return out;
}

bool decode_stats(std::string_view encoded, EndpointStats& out) {
  bytes::Reader in(encoded);
  if (in.u8() != kStatsVersion) return false;
  std::size_t reasons = in.u8();
  EndpointStats s;
  s.last_used_at = static_cast<UnixMillis>(in.u64le());
  for (std::uint64_t* n : {&s.requests, &s.accepted, &s.duplicate, &s.ignored, &s.rejected}) *n = in.u64le();
  // A newer writer may know more reasons; those counts are kept in the
  // totals above and left out here. An older one knows fewer.
  for (std::size_t i = 0; i < reasons; ++i) {
    std::uint64_t n = in.u64le();
    if (i < kReasonCount) s.rejected_by[i] = n;
  }
  if (!in.ok() || !in.at_end()) return false;
  out = s;
  return true;
}

EndpointStats read_endpoint_stats(MDB_txn* txn, const Store& store, std::string_view slug) {
  EndpointStats stats;
  // LMDB refuses empty and over-long keys; no endpoint has such a slug.
  if (slug.empty() || slug.size() > 256) return stats;
  MDB_val key = lmdb::val(slug), value;
  int rc = mdb_get(txn, store.stats_dbi(), &key, &value);
  if (rc == MDB_NOTFOUND) return stats;
  lmdb::check(rc, "cannot read counters");
  if (!decode_stats(lmdb::view(value), stats)) stats = EndpointStats{};
  return stats;
}

}  // namespace voxfra
