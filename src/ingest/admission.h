// The request contract's checks before the body (docs/design.md, "The
// request contract", rows 1-6 and an unavailable store), in their order: the
// glue hands in what it knows of the request and answers the questions that
// cost something (the endpoint lookup, the rate check) when the order
// reaches them; out comes the reason to refuse, or none: read the body.
// C++17, no parser headers: the glue includes it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/outcome.h"
#include "store/endpoint.h"

namespace voxfra {

// What the headers say, known before anything is looked up.
struct RequestFacts {
  bool post = false;
  bool content_type_sent = false;  // without one, the body is read as JSON
  std::string_view content_type;
  std::string_view provider;      // as the URL named it
  const unsigned char* client_address = nullptr;  // 4 or 16 bytes, network order; none for a Unix socket
  std::size_t client_address_size = 0;
  std::int64_t declared_length = -1;  // Content-Length; -1 when none (a chunked body)
  std::int64_t max_body = 0;          // voxfra_max_body
};

// The facts that cost something to learn, asked only once every check
// before them passed: a refused method costs no lookup, a client outside
// the allowlist spends no rate budget.
class AdmissionQuestions {
 public:
  enum class Lookup { found, not_found, failed };
  struct RateVerdict {
    bool allowed = true;
    bool close = false;  // refuse and close the connection (an address that used up its failures)
  };

  virtual bool store_available() = 0;
  // The endpoint for the request's slug, whatever its status, in `out`;
  // `failed` when the store could not be read.
  virtual Lookup find_endpoint(EndpointView& out) = 0;
  // Counts the request in the endpoint's window (ZoneState::admit).
  virtual RateVerdict check_rate(const EndpointView& endpoint) = 0;

 protected:
  ~AdmissionQuestions() = default;
};

struct Admission {
  Reason reason = Reason::none;  // none: read the body
  bool close = false;            // answer, then close the connection
  bool endpoint_found = false;   // the endpoint passed the lookup: the answer counts for it
  bool go_on() const { return reason == Reason::none; }
};

Admission admit(const RequestFacts& request, AdmissionQuestions& ask, EndpointView& endpoint);

// The provider and slug a URL path names: its last two segments
// (/webhooks/{provider}/{slug}), trailing slashes ignored; empty when the
// path has fewer.
struct Route {
  std::string_view provider;
  std::string_view slug;
};
Route route_from_path(std::string_view path);

// application/json or application/*+json (LiveKit's application/webhook+json),
// parameters allowed.
bool json_content_type(std::string_view content_type);

// Whether the client address (a sockaddr's address bytes in network order:
// 4 for IPv4, 16 for IPv6) is in the endpoint's allowlist. An endpoint
// without one admits everyone.
bool client_allowed(const EndpointView& endpoint, const unsigned char* address, std::size_t length);

}  // namespace voxfra
