#include "base/outcome.h"

namespace voxfra {

namespace {

struct ReasonInfo {
  std::string_view name;
  int http_status;
  std::string_view message;
};

// Indexed by Reason. The messages are the contract's sentences: short, and
// never echoing anything the request sent.
constexpr ReasonInfo kReasons[] = {
    {"", 200, ""},
    {"method_not_allowed", 405, "only POST is accepted"},
    {"unsupported_media_type", 415, "the body must be JSON (application/json)"},
    {"not_found", 404, "no such endpoint"},
    {"forbidden", 403, "the client address is not allowed for this endpoint"},
    {"rate_limited", 429, "too many requests for this endpoint"},
    {"body_too_large", 413, "the body is larger than this endpoint accepts"},
    {"bad_signature", 401, "the signature is missing, wrong or too old"},
    {"invalid_json", 400, "the body is not valid JSON"},
    {"invalid_payload", 400, "the payload misses or mistypes required fields"},
    {"bad_request", 400, "the request body could not be read"},
    {"storage_failed", 500, "the call could not be stored; retry later"},
    {"internal_error", 500, "internal error; retry later"},
};
static_assert(sizeof(kReasons) / sizeof(kReasons[0]) == kReasonCount);

}  // namespace

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::accepted: return "accepted";
    case Outcome::duplicate: return "duplicate";
    case Outcome::ignored: return "ignored";
    case Outcome::rejected: return "rejected";
  }
  return "rejected";
}

std::string_view reason_name(Reason r) { return kReasons[static_cast<std::size_t>(r) % kReasonCount].name; }
int reason_http_status(Reason r) { return kReasons[static_cast<std::size_t>(r) % kReasonCount].http_status; }
std::string_view reason_message(Reason r) { return kReasons[static_cast<std::size_t>(r) % kReasonCount].message; }

}  // namespace voxfra
