// Shared by the providers' signature tests (test_signature_<provider>.cpp):
// case-insensitive request headers, an endpoint with secrets, and the one
// body every provider's vectors sign.
//
// Every digest and token in those tests was computed outside this code, with
// openssl on the command line, from this body:
//
//   BODY=$'{"event":"call_ended","call":{"call_id":"call_8f2a","transcript":"Agent: \xc2\xbfQu\xc3\xa9 tal?"}}'
//   hm() { openssl dgst -sha256 -hmac "$1" | sed 's/.*= //'; }
//
// Each test file names the exact command of each vector. The body carries
// UTF-8 ("¿Qué") so that the raw bytes, not a re-encoding, are what is signed.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "auth/signature.h"

namespace voxfra::sigtest {

inline constexpr std::string_view kBody =
    "{\"event\":\"call_ended\",\"call\":{\"call_id\":\"call_8f2a\",\"transcript\":\"Agent: \xc2\xbfQu\xc3\xa9 tal?\"}}";

inline constexpr std::int64_t kMinute = 60 * 1000;

// Headers as a test writes them; looked up case-insensitively like NGINX's.
class Headers final : public HeaderLookup {
 public:
  Headers() = default;
  Headers(std::initializer_list<std::pair<std::string, std::string>> init) {
    for (const auto& [k, v] : init) set(k, v);
  }
  Headers& set(std::string name, std::string value) {
    map_[lower(std::move(name))] = std::move(value);
    return *this;
  }
  std::string_view get(std::string_view name) const override {
    auto it = map_.find(lower(std::string(name)));
    return it == map_.end() ? std::string_view() : std::string_view(it->second);
  }

 private:
  static std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  }
  std::map<std::string, std::string> map_;
};

// An endpoint of the scheme's provider and the calls every test makes.
class SchemeTest : public ::testing::Test {
 protected:
  explicit SchemeTest(const SignatureScheme& scheme, UnixMillis now) : scheme_(scheme), now_(now) {}

  // Secrets are views: tests pass literals.
  void add_secret(std::string_view value, UnixMillis expires_at = 0) {
    endpoint_.secrets[endpoint_.secret_count++] = {value, expires_at};
  }
  void only_secret(std::string_view value) {
    endpoint_.secret_count = 0;
    add_secret(value);
  }

  SignatureCheck verify(const Headers& headers, std::string_view body = kBody) const {
    return verify_at(headers, now_, body);
  }
  SignatureCheck verify_at(const Headers& headers, UnixMillis now, std::string_view body = kBody) const {
    SignatureRequest request{&headers, body, now, &endpoint_};
    return scheme_.verify(request);
  }
  // One header, the scheme's own.
  SignatureCheck verify_value(const std::string& value, std::string_view body = kBody) const {
    return verify(Headers{{std::string(scheme_.header()), value}}, body);
  }
  SignatureCheck verify_value_at(const std::string& value, UnixMillis now) const {
    return verify_at(Headers{{std::string(scheme_.header()), value}}, now);
  }

  static std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    return s;
  }

  const SignatureScheme& scheme_;
  UnixMillis now_;
  EndpointView endpoint_;
};

}  // namespace voxfra::sigtest
