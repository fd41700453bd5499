#include "ingest/ingest.h"

#include <simdjson.h>

#include <cstring>
#include <string>

#include "auth/signature.h"
#include "providers/adapter.h"
#include "record/call_record.h"
#include "util/json_writer.h"

namespace voxfra {

struct Ingestor::Impl {
  // One parser per worker, reused: its buffers grow to the largest body seen
  // and are not allocated again.
  simdjson::dom::parser parser;
  // Reused across requests so that building the key costs no allocation
  // once warm; the key is then copied into the request's memory.
  std::string key_scratch;
};

Ingestor::Ingestor() : impl_(std::make_unique<Impl>()) {}
Ingestor::~Ingestor() = default;

namespace {

std::string_view copy_into(std::pmr::memory_resource* mem, std::string_view text) {
  if (text.empty()) return {};
  auto* p = static_cast<char*>(mem->allocate(text.size(), 1));
  std::memcpy(p, text.data(), text.size());
  return {p, text.size()};
}

std::pmr::string* new_string(std::pmr::memory_resource* mem) {
  // Placed in the arena and never destroyed: the arena frees it all at once.
  return new (mem->allocate(sizeof(std::pmr::string), alignof(std::pmr::string))) std::pmr::string(mem);
}

std::string_view details_json(const std::pmr::vector<FieldProblem>& problems,
                              std::pmr::memory_resource* mem) {
  auto* out = new_string(mem);
  JsonWriter w(*out);
  w.begin_array();
  for (const auto& p : problems) {
    w.begin_object().field("field", p.field).field("problem", p.problem).end_object();
  }
  w.end_array();
  return *out;
}

std::string_view signature_problem(SignatureCheck check) {
  switch (check) {
    case SignatureCheck::ok: return "is valid";
    case SignatureCheck::missing: return "is missing";
    case SignatureCheck::malformed: return "is malformed";
    case SignatureCheck::mismatch: return "does not match the body";
    case SignatureCheck::stale: return "has a timestamp outside the tolerance";
  }
  return "is invalid";
}

IngestResult rejected(Reason reason) {
  IngestResult r;
  r.outcome = Outcome::rejected;
  r.reason = reason;
  return r;
}

}  // namespace

IngestResult Ingestor::process(const EndpointView& endpoint, const IngestRequest& request,
                               std::pmr::memory_resource* mem) {
  const SignatureScheme& scheme = signature_scheme_for(endpoint.provider);

  // An endpoint that lacks what its provider signs with takes nothing: it
  // could not tell a forgery from a delivery (an endpoint stored before the
  // CLI refused to create such endpoints).
  std::string_view missing = missing_credentials(endpoint.provider, endpoint.secret_count > 0, !endpoint.api_key.empty());
  if (!missing.empty()) {
    IngestResult r = rejected(Reason::bad_signature);
    auto* problem = new_string(mem);
    *problem = "cannot be verified: the endpoint ";
    *problem += missing;
    std::pmr::vector<FieldProblem> problems(mem);
    problems.push_back({scheme.header(), *problem});
    r.details_json = details_json(problems, mem);
    return r;
  }

  // An endpoint with a secret takes only what its provider's scheme proves
  // was signed with it: verified over the raw bytes, before any parsing.
  if (endpoint.secret_count > 0) {
    SignatureRequest signed_request;
    signed_request.headers = request.headers;
    signed_request.body = std::string_view(request.body, request.body_size);
    signed_request.now = request.received_at;
    signed_request.endpoint = &endpoint;
    const SignatureCheck check = scheme.verify(signed_request);
    if (check != SignatureCheck::ok) {
      IngestResult r = rejected(Reason::bad_signature);
      std::pmr::vector<FieldProblem> problems(mem);
      problems.push_back({scheme.header(), signature_problem(check)});
      r.details_json = details_json(problems, mem);
      return r;
    }
  }

  simdjson::dom::element root;
  auto error = impl_->parser.parse(request.body, request.body_size, false).get(root);
  if (error) {
    IngestResult r = rejected(Reason::invalid_json);
    std::pmr::vector<FieldProblem> problems(mem);
    problems.push_back({"$", simdjson::error_message(error)});
    r.details_json = details_json(problems, mem);
    return r;
  }

  // Only what the signature covers decides what a signed endpoint stores:
  // every scheme signs the body, none the headers adapters could read.
  Payload payload(root, mem, endpoint.secret_count > 0 ? nullptr : request.headers);
  CallRecord record(mem);
  Verdict verdict = adapter_for(endpoint.provider)(payload, record);
  if (verdict == Verdict::invalid || payload.has_problems()) {
    IngestResult r = rejected(Reason::invalid_payload);
    if (!payload.has_problems()) payload.problem("$", "is not a call report this provider sends");
    r.details_json = details_json(payload.problems(), mem);
    r.event = copy_into(mem, record.event);
    return r;
  }

  IngestResult r;
  r.event = copy_into(mem, record.event);
  if (verdict == Verdict::ignored) {
    r.outcome = Outcome::ignored;
    r.reason = Reason::none;
    return r;
  }

  r.outcome = Outcome::accepted;
  r.reason = Reason::none;
  r.call_id = copy_into(mem, record.call_id);

  impl_->key_scratch.clear();
  if (!make_idempotency_key(impl_->key_scratch, endpoint.org, endpoint.client, endpoint.provider,
                            record.call_id, record.event)) {
    // The adapters read call ids and events through checks that make this
    // unreachable; should one not, the call is refused, never stored ambiguously.
    IngestResult refused = rejected(Reason::invalid_payload);
    payload.problem("$", "has a call id or event that cannot be stored (control characters, or too long)");
    refused.details_json = details_json(payload.problems(), mem);
    refused.event = r.event;
    return refused;
  }

  RecordContext context;
  context.request_id = request.request_id;
  context.received_at = request.received_at;
  context.org = endpoint.org;
  context.client = endpoint.client;
  context.endpoint_id = endpoint.id;
  context.provider = provider_name(endpoint.provider);

  auto* json = new_string(mem);
  // A record is about as long as the body it came from (a custom report
  // slightly longer): one allocation, not a regrowth copying 5 KB.
  json->reserve(1024 + request.body_size + request.body_size / 8);
  JsonWriter w(*json);
  write_call_record(w, context, record);

  PendingCall& call = r.call;
  call.idempotency_key = copy_into(mem, impl_->key_scratch);
  call.record_json = *json;
  call.provider = endpoint.provider;
  call.received_at = request.received_at;
  call.org = endpoint.org;
  call.client = endpoint.client;
  call.call_id = r.call_id;
  call.event = r.event;
  return r;
}

EndpointView copy_endpoint(const EndpointView& view, std::pmr::memory_resource* mem) {
  EndpointView copy = view;
  copy.id = copy_into(mem, view.id);
  copy.org = copy_into(mem, view.org);
  copy.client = copy_into(mem, view.client);
  copy.api_key = copy_into(mem, view.api_key);
  for (std::size_t i = 0; i < view.secret_count; ++i) {
    copy.secrets[i].value = copy_into(mem, view.secrets[i].value);
  }
  for (std::size_t i = 0; i < view.allow_count; ++i) {
    copy.allow[i] = copy_into(mem, view.allow[i]);
  }
  return copy;
}

}  // namespace voxfra
