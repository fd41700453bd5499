// GET v1/orgs, v1/endpoints, v1/endpoints/{id}, v1/endpoints/{id}/requests:
// what an organization has, and what its endpoints were sent. Never a
// secret, never a whole slug (the slug is the credential): its first
// characters only, enough to tell endpoints apart.
#include <algorithm>
#include <map>

#include "api/page_cursor.h"
#include "api/routes.h"
#include "store/cursor.h"
#include "store/audit_log.h"
#include "store/endpoint.h"
#include "store/fleet_rates.h"
#include "store/request_log.h"
#include "store/request_log_json.h"

namespace voxfra::api {

namespace {

void write_count(JsonWriter& w, std::string_view name, std::uint64_t n) {
  w.key(name).integer(static_cast<std::int64_t>(n));
}

}  // namespace

void write_endpoint(JsonWriter& w, const Endpoint& e, const EndpointStats& s) {
  w.begin_object();
  w.field("id", e.id).field("org", e.org).field("client", e.client).field("provider", provider_name(e.provider));
  w.field("status", endpoint_status_name(e.status));
  w.field("slugPrefix", slug_prefix(e.slug));
  w.key("hmac").boolean(!e.secrets.empty());
  w.key("allow").begin_array();
  for (const std::string& cidr : e.allow) w.string(cidr);
  w.end_array();
  w.key("rateLimit");
  if (e.rate_limit == 0) {
    w.null();
  } else {
    w.integer(e.rate_limit);
  }
  write_count(w, "requests", s.requests);
  write_count(w, "accepted", s.accepted);
  write_count(w, "duplicate", s.duplicate);
  write_count(w, "ignored", s.ignored);
  write_count(w, "rejected", s.rejected);
  w.key("rejectedBy").begin_object();
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    if (s.rejected_by[i] != 0) write_count(w, reason_name(static_cast<Reason>(i)), s.rejected_by[i]);
  }
  w.end_object();
  write_time_or_null(w, "lastUsedAt", s.last_used_at);
  write_time_or_null(w, "createdAt", e.created_at);
  write_time_or_null(w, "updatedAt", e.updated_at);
  w.end_object();
}

namespace {

// Every readable endpoint the token covers, by id.
std::vector<Endpoint> endpoints_in_scope(const RouteRequest& r, const std::optional<std::string>& org) {
  std::vector<Endpoint> found;
  Cursor cursor(r.txn, r.store.endpoints_dbi());
  for (bool more = cursor.first(); more; more = cursor.next()) {
    Endpoint e;
    if (!decode_endpoint(cursor.value(), e) || !r.token.covers(e.org) || (org && e.org != *org)) continue;
    e.slug = std::string(cursor.key());
    found.push_back(std::move(e));
  }
  std::sort(found.begin(), found.end(), [](const Endpoint& a, const Endpoint& b) { return a.id < b.id; });
  return found;
}

}  // namespace

ApiResponse orgs_route(const RouteRequest& r) {
  allow_params(r, "");
  struct ClientCounts {
    std::uint64_t endpoints = 0, active = 0;
  };
  std::map<std::string, std::map<std::string, ClientCounts>> orgs;
  for (const Endpoint& e : endpoints_in_scope(r, std::nullopt)) {
    ClientCounts& c = orgs[e.org][e.client];
    ++c.endpoints;
    if (e.status == EndpointStatus::active) ++c.active;
  }
  return ok_response(r.request_id, [&](JsonWriter& w) {
    w.key("items").begin_array();
    for (const auto& [org, clients] : orgs) {
      w.begin_object().field("org", org).key("clients").begin_array();
      for (const auto& [client, counts] : clients) {
        w.begin_object().field("client", client);
        write_count(w, "endpoints", counts.endpoints);
        write_count(w, "activeEndpoints", counts.active);
        w.end_object();
      }
      w.end_array().end_object();
    }
    w.end_array();
  });
}

ApiResponse list_endpoints_route(const RouteRequest& r) {
  allow_params(r, "org client provider status limit cursor");
  std::optional<std::string> org = scoped_org(r);
  auto client = r.query.value("client");
  auto provider = provider_param(r);
  auto status = r.query.value("status");
  if (status && *status != "active" && *status != "inactive" && *status != "revoked") {
    throw ApiFailure{ApiError::invalid_parameter, {{"status", "is not one of: active, inactive, revoked"}}};
  }
  std::size_t limit = limit_param(r);
  std::optional<std::string> after;
  if (auto cursor = r.query.value("cursor")) {
    after = decode_endpoint_cursor(*cursor);
    if (!after) throw ApiFailure{ApiError::invalid_parameter, {{"cursor", "is not a cursor of this listing"}}};
  }
  std::vector<Endpoint> all = endpoints_in_scope(r, org);
  std::vector<const Endpoint*> page;
  bool more = false;
  for (const Endpoint& e : all) {
    if ((after && e.id <= *after) || (client && e.client != *client) || (provider && e.provider != *provider) ||
        (status && endpoint_status_name(e.status) != *status)) {
      continue;
    }
    if (page.size() == limit) {
      more = true;
      break;
    }
    page.push_back(&e);
  }
  return ok_response(r.request_id, [&](JsonWriter& w) {
    w.key("items").begin_array();
    for (const Endpoint* e : page) write_endpoint(w, *e, read_fleet_endpoint_stats(r.txn, r.store, e->slug));
    w.end_array();
    if (more) w.field("nextCursor", encode_endpoint_cursor(page.back()->id));
  });
}

std::optional<Endpoint> endpoint_in_scope(const RouteRequest& r, std::string_view id) {
  for (Endpoint& e : endpoints_in_scope(r, std::nullopt)) {
    if (e.id == id) return std::move(e);
  }
  return std::nullopt;
}

ApiResponse endpoint_route(const RouteRequest& r, std::string_view id) {
  allow_params(r, "");
  auto e = endpoint_in_scope(r, id);
  if (!e) throw ApiFailure{ApiError::not_found, {}};
  return ok_response(r.request_id, [&](JsonWriter& w) {
    w.key("endpoint");
    write_endpoint(w, *e, read_fleet_endpoint_stats(r.txn, r.store, e->slug));
  });
}

// The endpoint's request history (store/request_log.h), newest first, each
// entry as `voxfra endpoint log --json` writes it. Parameters are checked
// before the endpoint is looked up: a 400 says nothing about which ids exist.
ApiResponse endpoint_requests_route(const RouteRequest& r, std::string_view id) {
  allow_params(r, "limit");
  std::size_t limit = limit_param(r);
  auto e = endpoint_in_scope(r, id);
  if (!e) throw ApiFailure{ApiError::not_found, {}};
  std::vector<RequestLogEntry> entries = read_request_log(r.txn, r.store, e->id, limit);
  return ok_response(r.request_id, [&](JsonWriter& w) {
    w.key("items").begin_array();
    for (const RequestLogEntry& entry : entries) write_request_log_entry(w, entry);
    w.end_array();
  });
}

}  // namespace voxfra::api
