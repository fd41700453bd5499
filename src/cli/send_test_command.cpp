// voxfra send-test: the "Test webhook" button of a provider's dashboard,
// from the shell. Posts the provider's sample end-of-call report
// (providers/samples.h), signed as that provider signs (the scheme's sign(),
// beside its verify() in src/auth/), and shows what the endpoint answered.
// Exit 0 on a 2xx answer, 1 on any other answer or when the server cannot be
// reached, 2 when called wrongly.
#include <simdjson.h>

#include "auth/signature.h"
#include "cli/commands.h"
#include "cli/http_client.h"
#include "cli/output.h"
#include "cli/validate.h"
#include "providers/samples.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

constexpr int kTimeoutMs = 10'000;

struct SendTest {
  HttpUrl url;
  Provider provider = Provider::custom;
  std::optional<std::string> secret;
  std::string api_key;
  std::string call_id;
};

SendTest read_send_test(const Args& args) {
  SendTest test;
  auto url = args.value("url");
  if (!url) throw UsageError("send-test needs --url URL (the endpoint's webhook URL)");
  test.url = parse_http_url("url", *url);
  auto provider = args.value("provider");
  if (!provider) throw UsageError("send-test needs --provider P");
  test.provider = check_provider(*provider);
  if (auto path = args.value("secret-file")) test.secret = read_secret_file(*path);
  if (auto key = args.value("api-key")) {
    if (test.provider != Provider::livekit) throw UsageError("--api-key is only for --provider livekit");
    if (key->empty()) throw UsageError("--api-key is empty");
    if (!test.secret) throw UsageError("--api-key signs with a secret: give --secret-file F too");
    test.api_key = *key;
  }
  if (test.provider == Provider::livekit && test.secret && test.api_key.empty()) {
    throw UsageError("--provider livekit with a secret needs --api-key (the LiveKit API key, the token's iss)");
  }
  if (auto id = args.value("call-id")) {
    if (id->empty()) throw UsageError("--call-id is empty");
    test.call_id = *id;
  } else {
    test.call_id = sample_call_id(test.provider);
  }
  return test;
}

// The answer's members as "name: value" lines; `details` one per line.
void print_answer_fields(std::ostream& out, simdjson::dom::object answer) {
  Fields fields;
  for (auto [key, value] : answer) {
    std::string_view text;
    if (key == "details" && value.is_array()) {
      for (simdjson::dom::element detail : value.get_array()) {
        std::string_view field, problem;
        if (detail["field"].get(field) == simdjson::SUCCESS && detail["problem"].get(problem) == simdjson::SUCCESS) {
          fields.emplace_back("detail", std::string(field) + " " + std::string(problem));
        } else {
          fields.emplace_back("detail", simdjson::minify(detail));
        }
      }
    } else if (value.get_string().get(text) == simdjson::SUCCESS) {
      fields.emplace_back(std::string(key), std::string(text));
    } else {
      fields.emplace_back(std::string(key), simdjson::minify(value));
    }
  }
  print_fields(out, fields);
}

void print_human(std::ostream& out, const SendTest& test, const SampleCall& sample,
                 const std::vector<SignedHeader>& signature, const HttpResponse& response) {
  out << "POST " << (test.url.tls ? "https://" : "http://") << test.url.host_header << test.url.target << '\n'
      << "  " << provider_name(test.provider) << " sample, call " << sample.call_id << ", ";
  if (signature.empty()) {
    out << "unsigned\n";
  } else {
    out << "signed with " << signature.front().name << '\n';
  }
  out << "HTTP " << response.status << (response.reason.empty() ? "" : " ") << response.reason << '\n';
  simdjson::dom::parser parser;
  simdjson::dom::object answer;
  if (parser.parse(response.body).get(answer) == simdjson::SUCCESS) {
    print_answer_fields(out, answer);
  } else if (!response.body.empty()) {
    out << response.body << (response.body.back() == '\n' ? "" : "\n");
  }
}

// {"httpStatus":…,"provider":…,"callId":<sent>,"answer":<the JSON answer as
// received, or its text when it is not JSON (a proxy's error page)>}
void print_json(std::ostream& out, const SendTest& test, const SampleCall& sample, const HttpResponse& response) {
  JsonDocument doc;
  JsonWriter& w = doc.writer();
  w.begin_object().key("httpStatus").integer(response.status);
  w.field("provider", provider_name(test.provider)).field("callId", sample.call_id);
  simdjson::dom::parser parser;
  simdjson::dom::element answer;
  w.key("answer");
  if (parser.parse(response.body).get(answer) == simdjson::SUCCESS) {
    w.raw(simdjson::minify(answer));
  } else {
    w.string(response.body);
  }
  w.end_object();
  doc.print(out);
}

int send_test(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("send-test takes no argument \"" + operands.front() + "\"");
  const SendTest test = read_send_test(args);
  const UnixMillis now = now_millis();
  const SampleCall sample = sample_call(test.provider, test.call_id, now);

  HttpHeaders headers{{"Content-Type", sample.content_type}};
  headers.insert(headers.end(), sample.headers.begin(), sample.headers.end());
  std::vector<SignedHeader> signature;
  if (test.secret) {
    signature = signature_scheme_for(test.provider).sign({*test.secret, test.api_key}, sample.body, now);
    for (const SignedHeader& h : signature) headers.emplace_back(h.name, h.value);
  }

  const HttpResponse response = http_post(test.url, headers, sample.body, kTimeoutMs);
  if (cli.json) {
    print_json(*cli.out, test, sample, response);
  } else {
    print_human(*cli.out, test, sample, signature, response);
  }
  return response.status >= 200 && response.status < 300 ? 0 : kExitFailure;
}

constexpr Command kSingleWordCommands[] = {
    {"send-test", "", "--url URL --provider P [--secret-file F] [--api-key K] [--call-id ID]",
     "url provider secret-file api-key call-id", send_test},
};

}  // namespace

std::span<const Command> single_word_commands() { return kSingleWordCommands; }

}  // namespace voxfra::cli
