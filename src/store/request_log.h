// The request history of each endpoint (the delivery log as the receiving
// side saw it): every request that resolved to an endpoint, in the `reqlog`
// database, bounded to the newest N per endpoint.
//
//   an entry  key: endpoint id, '\0', u64 big-endian time (µs), u32 big-endian
//             tie-breaker, so that entries sort by time whichever worker wrote first;
//             value: u8 version(1), i64 at (µs), u32 latency (µs), u16 HTTP status,
//             u8 outcome, u8 reason, u8 provider (0: none), u8 request id length,
//             request id, u8 call id length, call id (integers little-endian)
//   a count   key: endpoint id, '\0' (sorting before its entries);
//             value: u64 entries kept
//
// Entries are fixed-size values (ids cut to their arrays), so that the glue
// buffers them per worker without allocating; the store writes them in
// batches off the event loop, and readers get them newest first.
#pragma once
#include "store/lmdb_fwd.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/outcome.h"
#include "base/provider.h"
#include "util/time.h"

namespace voxfra {

class Store;
class Txn;

struct RequestLogEntry {
  static constexpr std::size_t kMaxEndpointId = 32;
  static constexpr std::size_t kMaxRequestId = 64;
  static constexpr std::size_t kMaxCallId = 128;  // longer provider call ids are cut

  std::int64_t at_micros = 0;  // when the request came in, µs since the epoch
  std::uint32_t latency_micros = 0;
  std::uint16_t http_status = 0;
  Outcome outcome = Outcome::rejected;
  Reason reason = Reason::none;
  std::uint8_t provider = 0;  // a Provider, 0 when none

  std::string_view endpoint_id() const { return {endpoint_id_, endpoint_id_size_}; }
  std::string_view request_id() const { return {request_id_, request_id_size_}; }
  std::string_view call_id() const { return {call_id_, call_id_size_}; }
  void set_endpoint_id(std::string_view v) { endpoint_id_size_ = copy(endpoint_id_, kMaxEndpointId, v); }
  void set_request_id(std::string_view v) { request_id_size_ = copy(request_id_, kMaxRequestId, v); }
  void set_call_id(std::string_view v) { call_id_size_ = copy(call_id_, kMaxCallId, v); }

 private:
  static std::uint8_t copy(char* out, std::size_t max, std::string_view v);
  std::uint8_t endpoint_id_size_ = 0, request_id_size_ = 0, call_id_size_ = 0;
  char endpoint_id_[kMaxEndpointId];
  char request_id_[kMaxRequestId];
  char call_id_[kMaxCallId];
};

// The newest `limit` entries of the endpoint with public id `endpoint_id`,
// newest first; empty when it has none (or the store predates the history).
// Entries this build cannot read are passed over.
// Any read transaction of the store's environment will do (the CLI's Txn, a
// handler's own); throws StoreError when LMDB fails.
std::vector<RequestLogEntry> read_request_log(MDB_txn* txn, const Store& store, std::string_view endpoint_id,
                                              std::size_t limit);
std::vector<RequestLogEntry> read_request_log(Txn& txn, const Store& store, std::string_view endpoint_id,
                                              std::size_t limit);

// The codec, for the store and its tests.
std::string encode_request_log_entry(const RequestLogEntry& e);
bool decode_request_log_entry(std::string_view bytes, RequestLogEntry& out);
std::string request_log_key(std::string_view endpoint_id, std::uint64_t at_micros, std::uint32_t tie);

}  // namespace voxfra
