// The Management API's changes: POST v1/endpoints, PATCH v1/endpoints/{id},
// POST v1/endpoints/{id}/disable|enable|revoke|replace|rotate-secret. The
// rules are the CLI's (endpoints/endpoint_changes.h), applied through the
// request's book (the store's, in the write transaction the caller commits,
// or the fleet's bucket); each change leaves its audit entry. A
// new slug and a secret voxfra made are in the answer once, never again.
#include "api/json_body.h"
#include "api/routes.h"
#include "util/hmac.h"
#include "endpoints/endpoint_changes.h"
#include "store/api_keys.h"

namespace voxfra::api {

namespace {

using Segments = std::vector<std::string>;

constexpr std::size_t kMaxIdempotencyKey = 255;

ChangeAuthor author_of(const RouteRequest& r) {
  return ChangeAuthor{r.token.name.empty() ? r.token.id : r.token.name, r.token.id, std::string(r.request_id)};
}

// The rules' refusals as the API's errors, with the rules' own words.
template <typename Change>
auto under_rules(Change change) {
  using Why = EndpointRefused::Why;
  try {
    return change();
  } catch (const EndpointRefused& e) {
    switch (e.why) {
      case Why::invalid: throw ApiFailure{ApiError::invalid_body, {{e.field, e.what()}}};
      case Why::not_found: throw ApiFailure{ApiError::not_found};
      case Why::conflict: throw ApiFailure{ApiError::conflict, {}, e.what()};
      case Why::revoked: throw ApiFailure{ApiError::endpoint_revoked, {}, e.what()};
      case Why::unverifiable: throw ApiFailure{ApiError::unverifiable, {}, e.what()};
    }
    throw;
  }
}

bool json_content_type(std::string_view ct) {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  constexpr std::string_view json = "application/json";
  if (ct.size() != json.size()) return false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    char c = ct[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != json[i]) return false;
  }
  return true;
}

void write_issued(JsonWriter& w, EndpointBook& book, const Issued& made, bool with_url) {
  w.key("endpoint");
  write_endpoint(w, made.endpoint, book.stats(made.endpoint.slug));
  if (with_url) w.field("slug", made.endpoint.slug).field("path", endpoint_path(made.endpoint));
  // The one place the API writes a secret out (see NewSecret).
  if (made.secret && made.secret->generated) w.field("secret", made.secret->value);
  if (made.replaced) {
    w.key("replaced");
    write_endpoint(w, *made.replaced, book.stats(made.replaced->slug));
  }
}

Sha256Digest fingerprint_of(const ApiRequest& request) {
  return sha256(std::string(request.method) + '\0' + std::string(request.path) + '\0' + std::string(request.body));
}

// A create or replace with an Idempotency-Key: the same request again
// within 24 hours gets the first answer (with this request's id), another
// request under the same key a 409.
template <typename Make>
ApiResponse idempotent(const RouteRequest& r, const ApiRequest& request, Make make) {
  const std::string_view key = request.idempotency_key;
  if (key.empty()) return make();
  bool printable = key.size() <= kMaxIdempotencyKey;
  for (char c : key) printable = printable && c >= 0x20 && c < 0x7f;
  if (!printable) {
    throw ApiFailure{ApiError::invalid_parameter,
                     {{"Idempotency-Key", "is not 1-255 printable ASCII characters"}}};
  }
  if (auto earlier = find_api_answer(r.txn, r.store, r.token.id, key, now_millis())) {
    if (earlier->request_sha256 != fingerprint_of(request)) {
      throw ApiFailure{ApiError::idempotency_key_reused,
                       {{"Idempotency-Key", "was used for another request in the last 24 hours"}}};
    }
    std::pmr::string id;
    JsonWriter(id).string(r.request_id);
    ApiResponse replay;
    replay.status = earlier->status;
    replay.body = earlier->body + ",\"requestId\":" + std::string(id) + "}";
    replay.replayed = true;
    return replay;
  }
  ApiResponse response = make();
  if (r.keep_answer_later != nullptr) {
    *r.keep_answer_later = true;
  } else {
    keep_idempotent_answer(r.txn, r.store, r.token.id, request, response);
  }
  return response;
}

ApiResponse create_route(const RouteRequest& r, const ApiRequest& request) {
  JsonBody body(request.body, "org client provider hmac secret allow rateLimit apiKey");
  EndpointSpec spec;
  if (auto org = body.string("org")) {
    if (!r.token.covers(*org)) throw ApiFailure{ApiError::forbidden, {{"org", "is not covered by the token"}}};
    spec.org = *org;
  } else if (r.token.all_orgs()) {
    JsonBody::missing("org");
  } else {
    spec.org = r.token.scope;
  }
  auto client = body.string("client");
  if (!client) JsonBody::missing("client");
  spec.client = *client;
  auto provider_text = body.string("provider");
  if (!provider_text) JsonBody::missing("provider");
  auto provider = provider_from_name(*provider_text);
  if (!provider) {
    throw ApiFailure{ApiError::invalid_body, {{"provider", "is not one of: " + std::string(provider_names())}}};
  }
  spec.provider = *provider;
  if (!body.is_null("allow")) spec.allow = body.strings("allow").value_or(std::vector<std::string>{});
  if (!body.is_null("rateLimit")) {
    spec.rate_limit = static_cast<std::uint32_t>(body.integer("rateLimit", 1, kMaxRateLimit).value_or(0));
  }
  if (auto key = body.string("apiKey")) spec.api_key = *key;
  auto secret = body.string("secret");
  bool hmac = body.boolean("hmac").value_or(false);
  if (secret && hmac) {
    throw ApiFailure{ApiError::invalid_body, {{"secret", "give hmac (a new secret) or secret (your own), not both"}}};
  }
  if (secret) spec.secret = NewSecret{*secret, false};
  if (hmac) spec.secret = generated_secret();
  EndpointBook& book = *r.book;
  Issued made = under_rules([&] { return create_endpoint(book, author_of(r), std::move(spec)); });
  return ok_response(r.request_id, [&](JsonWriter& w) { write_issued(w, book, made, true); }, 201);
}

Endpoint endpoint_of(const RouteRequest& r, std::string_view id) {
  auto e = endpoint_in_scope(r, id);
  if (!e) throw ApiFailure{ApiError::not_found};
  return std::move(*e);
}

ApiResponse status_route(const RouteRequest& r, const ApiRequest& request, std::string_view id,
                         EndpointStatus target) {
  JsonBody body(request.body, "");
  Endpoint e = endpoint_of(r, id);
  EndpointBook& book = *r.book;
  StatusChange change = under_rules([&] { return change_endpoint_status(book, author_of(r), e.slug, target); });
  return ok_response(r.request_id, [&](JsonWriter& w) {
    w.key("endpoint");
    write_endpoint(w, change.endpoint, book.stats(e.slug));
    w.key("changed").boolean(change.changed);
  });
}

ApiResponse replace_route(const RouteRequest& r, const ApiRequest& request, std::string_view id) {
  JsonBody body(request.body, "");
  Endpoint e = endpoint_of(r, id);
  EndpointBook& book = *r.book;
  Issued made = under_rules([&] { return replace_endpoint(book, author_of(r), e.slug); });
  return ok_response(r.request_id, [&](JsonWriter& w) { write_issued(w, book, made, true); }, 201);
}

ApiResponse rotate_route(const RouteRequest& r, const ApiRequest& request, std::string_view id) {
  JsonBody body(request.body, "graceSeconds secret");
  std::int64_t grace = body.integer("graceSeconds", 0, kMaxGraceSeconds).value_or(kDefaultGraceSeconds);
  NewSecret secret = generated_secret();
  if (auto own = body.string("secret")) secret = NewSecret{*own, false};
  Endpoint e = endpoint_of(r, id);
  EndpointBook& book = *r.book;
  Issued made =
      under_rules([&] { return rotate_endpoint_secret(book, author_of(r), e.slug, std::move(secret), grace); });
  return ok_response(r.request_id, [&](JsonWriter& w) { write_issued(w, book, made, false); });
}

ApiResponse settings_route(const RouteRequest& r, const ApiRequest& request, std::string_view id) {
  JsonBody body(request.body, "allow rateLimit");
  LimitsChange change;
  // null: any address, the zone's default rate
  if (body.has("allow")) {
    change.allow = body.is_null("allow") ? std::vector<std::string>{} : *body.strings("allow");
  }
  if (body.has("rateLimit")) {
    change.rate_limit =
        body.is_null("rateLimit") ? 0 : static_cast<std::uint32_t>(*body.integer("rateLimit", 1, kMaxRateLimit));
  }
  if (!change.allow && !change.rate_limit) {
    throw ApiFailure{ApiError::invalid_body, {{"body", "needs allow or rateLimit (null for the default)"}}};
  }
  Endpoint e = endpoint_of(r, id);
  EndpointBook& book = *r.book;
  Endpoint changed = under_rules([&] { return set_endpoint_limits(book, author_of(r), e.slug, change); });
  return ok_response(r.request_id, [&](JsonWriter& w) {
    w.key("endpoint");
    write_endpoint(w, changed, book.stats(e.slug));
  });
}

}  // namespace

void keep_idempotent_answer(MDB_txn* txn, const Store& store, std::string_view token_id, const ApiRequest& request,
                            const ApiResponse& response) {
  // Kept without its requestId (ok_response writes it last), which a replay gives anew.
  std::size_t id_at = response.body.rfind(",\"requestId\":");
  if (id_at == std::string::npos) return;
  save_api_answer(txn, store, token_id, request.idempotency_key,
                  {now_millis(), fingerprint_of(request), response.status, response.body.substr(0, id_at)});
}

ApiResponse write_route(const RouteRequest& r, const ApiRequest& request, const Segments& s) {
  if (!request.body.empty() && !json_content_type(request.content_type)) {
    throw ApiFailure{ApiError::unsupported_media_type};
  }
  const std::size_t n = s.size();
  if (n == 2) return idempotent(r, request, [&] { return create_route(r, request); });
  if (n == 3) return settings_route(r, request, s[2]);
  const std::string& action = s[3];
  if (action == "disable") return status_route(r, request, s[2], EndpointStatus::inactive);
  if (action == "enable") return status_route(r, request, s[2], EndpointStatus::active);
  if (action == "revoke") return status_route(r, request, s[2], EndpointStatus::revoked);
  if (action == "replace") return idempotent(r, request, [&] { return replace_route(r, request, s[2]); });
  return rotate_route(r, request, s[2]);  // rotate-secret: route_methods admits no other
}

}  // namespace voxfra::api
