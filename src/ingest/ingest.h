// The ingest core as the glue sees it: bytes and an endpoint in, a verdict
// and (for an end-of-call report) a call to store out. Nothing here knows of
// NGINX; this header stays C++17 and free of the JSON parser's headers
// because NGINX's own build compiles the glue that includes it.
#pragma once
#include <memory>
#include <memory_resource>
#include <string_view>

#include "base/header_lookup.h"
#include "base/outcome.h"
#include "store/endpoint.h"
#include "store/store.h"
#include "util/time.h"

namespace voxfra {

// Bytes that must be readable after the body: the JSON parser reads ahead
// in 64-byte blocks. The glue hands the body over in place when NGINX's
// buffer has that much room after it, and copies it otherwise.
inline constexpr std::size_t kBodyPadding = 64;

struct IngestRequest {
  std::string_view request_id;
  UnixMillis received_at = 0;
  const HeaderLookup* headers = nullptr;
  const char* body = nullptr;  // body[size, size + kBodyPadding) readable
  std::size_t body_size = 0;
};

struct IngestResult {
  Outcome outcome = Outcome::rejected;
  Reason reason = Reason::internal_error;
  std::string_view event;
  std::string_view call_id;
  std::string_view details_json;  // a JSON array of {field, problem} for 400s
  // When outcome is `accepted` here, the call still has to be stored; the
  // store then decides between accepted, duplicate and storage_failed.
  PendingCall call;
};

class Ingestor {
 public:
  Ingestor();
  ~Ingestor();
  Ingestor(const Ingestor&) = delete;
  Ingestor& operator=(const Ingestor&) = delete;

  // Parses and validates one body for `endpoint` and normalizes it into a
  // record; all that the result points at lives in `mem` (or in `endpoint`).
  // Never throws for anything a request can contain.
  IngestResult process(const EndpointView& endpoint, const IngestRequest& request,
                       std::pmr::memory_resource* mem);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Copies every byte `view` points at into `mem`, so that the copy outlives
// the read transaction the view came from (the body is read asynchronously).
EndpointView copy_endpoint(const EndpointView& view, std::pmr::memory_resource* mem);

}  // namespace voxfra
