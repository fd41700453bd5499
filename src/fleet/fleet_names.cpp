#include "fleet/fleet_names.h"

#include "util/hmac.h"

namespace voxfra::fleet {

std::string subject_token(std::string_view name) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  token.reserve(name.size());
  for (unsigned char c : name) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (plain) {
      token.push_back(static_cast<char>(c));
    } else {
      token.push_back('~');
      token.push_back(kHex[c >> 4]);
      token.push_back(kHex[c & 15]);
    }
  }
  return token;
}

std::string key_hash(std::string_view idempotency_key) { return hex_encode(sha256(idempotency_key)); }

std::string call_subject(std::string_view org, std::string_view hash) {
  std::string subject(kCallsSubjectPrefix);
  subject += subject_token(org);
  subject.push_back('.');
  subject += hash;
  return subject;
}

std::string idempotency_key_of(const StoredCall& call) {
  std::string key;
  // The key the call was stored under, even one stored before key fields
  // were checked (the checked builder would refuse it and give every such
  // call the same empty key, and the same hash).
  append_idempotency_key_unchecked(key, call.org, call.client, call.provider, call.call_id, call.event);
  return key;
}

}  // namespace voxfra::fleet
