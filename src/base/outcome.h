// How a request ended: the closed sets behind `status` and `reason` in every
// response, in `$voxfra_status`/`$voxfra_reason`, and in the counters.
#pragma once
#include <cstdint>
#include <string_view>

namespace voxfra {

enum class Outcome : std::uint8_t { accepted, duplicate, ignored, rejected };

enum class Reason : std::uint8_t {
  none = 0,
  method_not_allowed,
  unsupported_media_type,
  not_found,
  forbidden,
  rate_limited,
  body_too_large,
  bad_signature,
  invalid_json,
  invalid_payload,
  bad_request,  // NGINX could not read the body (bad chunked encoding, client closed)
  storage_failed,
  internal_error,
  count_  // keep last
};

inline constexpr std::size_t kReasonCount = static_cast<std::size_t>(Reason::count_);

std::string_view outcome_name(Outcome o);
std::string_view reason_name(Reason r);
int reason_http_status(Reason r);
// A sentence for the response's "error" member.
std::string_view reason_message(Reason r);

}  // namespace voxfra
