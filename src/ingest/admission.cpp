#include "ingest/admission.h"

#include <span>

#include "auth/cidr.h"
#include "base/provider.h"

namespace voxfra {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

bool json_content_type(std::string_view ct) {
  std::size_t semi = ct.find(';');
  if (semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  if (iequals(ct, "application/json")) return true;
  constexpr std::string_view app = "application/", suffix = "+json";
  return ct.size() > app.size() + suffix.size() && iequals(ct.substr(0, app.size()), app) &&
         iequals(ct.substr(ct.size() - suffix.size()), suffix);
}

bool client_allowed(const EndpointView& endpoint, const unsigned char* address, std::size_t length) {
  if (endpoint.allow_count == 0) return true;
  std::optional<IpAddress> ip = ip_from_bytes(std::span<const std::uint8_t>(address, length));
  // An address we cannot read (a Unix socket) is not in any CIDR.
  return ip && allowlist_permits(endpoint.allow, endpoint.allow_count, *ip);
}

Admission admit(const RequestFacts& request, AdmissionQuestions& ask, EndpointView& endpoint) {
  if (!request.post) return {Reason::method_not_allowed};
  if (request.content_type_sent && !json_content_type(request.content_type)) return {Reason::unsupported_media_type};
  if (!ask.store_available()) return {Reason::storage_failed};

  // Unknown slug, inactive or revoked endpoint, wrong provider: one answer
  // for all, so that probing learns nothing.
  switch (ask.find_endpoint(endpoint)) {
    case AdmissionQuestions::Lookup::failed: return {Reason::storage_failed};
    case AdmissionQuestions::Lookup::not_found: return {Reason::not_found};
    case AdmissionQuestions::Lookup::found: break;
  }
  if (endpoint.status != EndpointStatus::active || provider_name(endpoint.provider) != request.provider) {
    return {Reason::not_found};
  }

  Admission found;
  found.endpoint_found = true;
  if (!client_allowed(endpoint, request.client_address, request.client_address_size)) {
    found.reason = Reason::forbidden;
    return found;
  }

  // Before the body is read: a flood costs no more than its headers.
  AdmissionQuestions::RateVerdict rate = ask.check_rate(endpoint);
  if (!rate.allowed) {
    found.reason = Reason::rate_limited;
    found.close = rate.close;
    return found;
  }

  // After the endpoint checks, so that an unknown slug answers 404 whatever its size.
  if (request.declared_length > request.max_body) found.reason = Reason::body_too_large;
  return found;
}

Route route_from_path(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  size_t cut = path.rfind('/');
  std::string_view last = cut == std::string_view::npos ? path : path.substr(cut + 1);
  std::string_view rest = cut == std::string_view::npos ? std::string_view() : path.substr(0, cut);
  size_t cut2 = rest.rfind('/');
  return {cut2 == std::string_view::npos ? rest : rest.substr(cut2 + 1), last};
}

}  // namespace voxfra
