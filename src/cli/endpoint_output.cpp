#include "cli/endpoint_output.h"

#include "cli/output.h"

namespace voxfra::cli {

namespace {

bool has_hmac(const Endpoint& e) { return !e.secrets.empty(); }

std::string count_or_dash(const EndpointStats& s, std::uint64_t n) {
  return s.requests == 0 ? "-" : std::to_string(n);
}

std::string joined(const std::vector<std::string>& items, std::string_view none) {
  if (items.empty()) return std::string(none);
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

void write_endpoint_json(JsonWriter& w, const Endpoint& e, const EndpointStats& s, bool with_reasons) {
  w.begin_object();
  w.field("id", e.id).field("slug", e.slug).field("path", endpoint_path(e));
  w.field("org", e.org).field("client", e.client).field("provider", provider_name(e.provider));
  w.field("status", endpoint_status_name(e.status));
  w.key("hmac").boolean(has_hmac(e));
  w.key("allow").begin_array();
  for (const auto& cidr : e.allow) w.string(cidr);
  w.end_array();
  w.key("rateLimit");
  if (e.rate_limit == 0) {
    w.null();  // the zone's default
  } else {
    w.integer(e.rate_limit);
  }
  if (!e.api_key.empty()) w.field("apiKey", e.api_key);
  if (!e.replaced_by.empty()) w.field("replacedBy", e.replaced_by);
  w.key("requests").integer(static_cast<std::int64_t>(s.requests));
  w.key("accepted").integer(static_cast<std::int64_t>(s.accepted));
  w.key("duplicate").integer(static_cast<std::int64_t>(s.duplicate));
  w.key("ignored").integer(static_cast<std::int64_t>(s.ignored));
  w.key("rejected").integer(static_cast<std::int64_t>(s.rejected));
  if (with_reasons) {
    w.key("rejectedBy").begin_object();
    for (std::size_t r = 0; r < kReasonCount; ++r) {
      if (s.rejected_by[r] != 0) {
        w.key(reason_name(static_cast<Reason>(r))).integer(static_cast<std::int64_t>(s.rejected_by[r]));
      }
    }
    w.end_object();
  }
  write_time(w, "lastUsedAt", s.last_used_at);
  write_time(w, "createdAt", e.created_at);
  write_time(w, "updatedAt", e.updated_at);
  w.end_object();
}

std::string rejected_by_text(const EndpointStats& s) {
  std::vector<std::string> parts;
  for (std::size_t r = 0; r < kReasonCount; ++r) {
    if (s.rejected_by[r] != 0) {
      parts.push_back(std::string(reason_name(static_cast<Reason>(r))) + " " + std::to_string(s.rejected_by[r]));
    }
  }
  return joined(parts, "-");
}

}  // namespace

void print_endpoint_list(const Cli& cli, const std::vector<EndpointWithStats>& endpoints) {
  if (cli.json) {
    print_json_array(*cli.out, endpoints, [](JsonWriter& w, const EndpointWithStats& item) {
      write_endpoint_json(w, item.first, item.second, false);
    });
    return;
  }
  Table table({"ID", "ORG", "CLIENT", "PROVIDER", "STATUS", "REQUESTS", "LAST USED", "HMAC", "SLUG"});
  for (const auto& [e, s] : endpoints) {
    table.add_row({e.id, e.org, e.client, std::string(provider_name(e.provider)),
                   std::string(endpoint_status_name(e.status)), count_or_dash(s, s.requests),
                   time_or_dash(s.last_used_at), has_hmac(e) ? "on" : "off", e.slug});
  }
  table.print(*cli.out);
}

void print_endpoint(const Cli& cli, const EndpointWithStats& endpoint) {
  const auto& [e, s] = endpoint;
  if (cli.json) {
    JsonDocument doc;
    write_endpoint_json(doc.writer(), e, s, true);
    doc.print(*cli.out);
    return;
  }
  Fields fields = {
      {"id", e.id},
      {"slug", e.slug},
      {"path", endpoint_path(e)},
      {"org", e.org},
      {"client", e.client},
      {"provider", std::string(provider_name(e.provider))},
      {"status", std::string(endpoint_status_name(e.status))},
      {"hmac", has_hmac(e) ? "on" : "off"},
      {"allow", joined(e.allow, "any address")},
      {"rate limit", e.rate_limit == 0 ? "default" : std::to_string(e.rate_limit) + "/min"},
  };
  if (!e.api_key.empty()) fields.emplace_back("api key", e.api_key);
  if (!e.replaced_by.empty()) fields.emplace_back("replaced by", e.replaced_by);
  fields.insert(fields.end(), {
      {"requests", count_or_dash(s, s.requests)},
      {"accepted", count_or_dash(s, s.accepted)},
      {"duplicate", count_or_dash(s, s.duplicate)},
      {"ignored", count_or_dash(s, s.ignored)},
      {"rejected", count_or_dash(s, s.rejected)},
      {"rejected by", rejected_by_text(s)},
      {"last used", time_or_dash(s.last_used_at)},
      {"created", time_or_dash(e.created_at)},
      {"updated", time_or_dash(e.updated_at)},
  });
  print_fields(*cli.out, fields);
}

void print_issued(const Cli& cli, const Endpoint& e, const std::optional<NewSecret>& new_secret,
                  const Endpoint* replaced) {
  // The one place a secret is written out (see NewSecret).
  const std::string* secret = new_secret && new_secret->generated ? &new_secret->value : nullptr;
  if (cli.json) {
    JsonDocument doc;
    JsonWriter& w = doc.writer();
    w.begin_object();
    w.field("slug", e.slug).field("path", endpoint_path(e)).field("id", e.id);
    w.field("org", e.org).field("client", e.client).field("provider", provider_name(e.provider));
    w.field("status", endpoint_status_name(e.status));
    w.key("hmac").boolean(has_hmac(e));
    if (secret != nullptr) w.field("secret", *secret);
    if (replaced != nullptr) w.field("replaces", replaced->slug);
    w.end_object();
    doc.print(*cli.out);
    return;
  }
  Fields fields = {{"slug", e.slug}, {"path", endpoint_path(e)}, {"id", e.id},
                   {"org", e.org},   {"client", e.client},      {"provider", std::string(provider_name(e.provider))}};
  if (secret != nullptr) fields.emplace_back("secret", *secret);
  if (replaced != nullptr) fields.emplace_back("replaces", replaced->slug + " (now revoked)");
  print_fields(*cli.out, fields);
  if (secret != nullptr) {
    *cli.out << "\nKeep the secret now: it is stored for verifying signatures and never shown again.\n";
  }
}

}  // namespace voxfra::cli
