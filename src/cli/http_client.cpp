#include "cli/http_client.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <strings.h>

#include <charconv>
#include <cstdlib>
#include <memory>
#include <optional>

#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

std::optional<std::size_t> parse_size(std::string_view text, int base) {
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return value;
}

// libcurl's process-wide setup, once, before the first handle.
void init_curl_once() {
  static const bool ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!ready) throw CommandError("cannot set up the HTTP client (libcurl)");
}

// The head of the answer, a line at a time ("HTTP/1.1 202 Accepted", then
// "Name: value"); a new status line (after a 1xx) starts over.
std::size_t on_header_line(char* data, std::size_t size, std::size_t count, void* user) {
  auto& response = *static_cast<HttpResponse*>(user);
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    response.headers.clear();
    const std::size_t code_at = line.find(' ');
    const std::size_t reason_at = code_at == std::string_view::npos ? code_at : line.find(' ', code_at + 1);
    response.reason = reason_at == std::string_view::npos ? "" : std::string(line.substr(reason_at + 1));
  } else if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * count;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<HttpResponse*>(user)->body.append(data, size * count);
  return size * count;
}

// With SSL_CERT_FILE or SSL_CERT_DIR set, trust what they name (OpenSSL's
// own variables, as before libcurl) instead of libcurl's bundle.
CURLcode use_openssl_default_paths(CURL*, void* ssl_ctx, void*) {
  SSL_CTX_set_default_verify_paths(static_cast<SSL_CTX*>(ssl_ctx));
  return CURLE_OK;
}

// A failed transfer in the words the CLI has always used.
[[noreturn]] void fail(CURLcode code, const char* detail, const HttpUrl& url) {
  const std::string& label = url.host_header;
  std::string why = *detail != '\0' ? detail : curl_easy_strerror(code);
  // OpenSSL's own reason, without libcurl's preamble.
  if (constexpr std::string_view kPreamble = "SSL certificate problem: "; why.starts_with(kPreamble)) {
    why.erase(0, kPreamble.size());
  }
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST: throw CommandError("cannot resolve \"" + url.host + "\": " + why);
    case CURLE_COULDNT_CONNECT: throw CommandError("cannot connect to " + label + ": " + why);
    case CURLE_PEER_FAILED_VERIFICATION:
      // libcurl checks the name itself and says "... does not match target host name ...".
      throw CommandError("the TLS certificate of " + label + " is not trusted: " +
                         (why.find("host name") != std::string::npos ? "host name mismatch (" + why + ")" : why));
    case CURLE_SSL_CONNECT_ERROR: throw CommandError("the TLS handshake with " + label + " failed: " + why);
    case CURLE_OPERATION_TIMEDOUT: throw CommandError("no answer from " + label + " in time");
    case CURLE_SEND_ERROR: throw CommandError("cannot send to " + label + ": " + why);
    case CURLE_RECV_ERROR: throw CommandError("cannot read from " + label + ": " + why);
    case CURLE_PARTIAL_FILE: throw CommandError("the answer of " + label + " is cut short");
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL: throw CommandError("the answer of " + label + " is not HTTP/1.x");
    default: throw CommandError("cannot post to " + label + ": " + why);
  }
}

}  // namespace

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) return value;
  }
  return {};
}

HttpUrl parse_http_url(std::string_view option, std::string_view url) {
  const std::string bad = "--" + std::string(option) + " \"" + std::string(url) + "\": ";
  HttpUrl out;
  out.tls = url.starts_with("https://");
  if (!out.tls && !url.starts_with("http://")) throw UsageError(bad + "expected an http:// or https:// URL");
  std::string_view rest = url.substr(url.find("://") + 3);
  const std::size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  out.target = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (out.target.front() == '?') out.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) throw UsageError(bad + "user information is not supported");
  out.host_header = std::string(authority);

  std::string_view host = authority;
  std::string_view port = out.tls ? "443" : "80";
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) throw UsageError(bad + "an IPv6 address needs its closing ']'");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw UsageError(bad + "expected ':' and a port after the IPv6 address");
      port = after.substr(1);
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  auto port_number = parse_size(port, 10);
  if (host.empty()) throw UsageError(bad + "no host");
  if (!port_number || *port_number == 0 || *port_number > 65535 ||
      port.find_first_not_of("0123456789") != std::string_view::npos) {
    throw UsageError(bad + "the port is not a number from 1 to 65535");
  }
  out.host = std::string(host);
  out.port = std::string(port);
  return out;
}

HttpResponse http_post(const HttpUrl& url, const HttpHeaders& headers, std::string_view body, int timeout_ms) {
  init_curl_once();
  const std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(), curl_easy_cleanup);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list(nullptr, curl_slist_free_all);
  const auto add = [&list](const std::string& line) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (grown == nullptr) throw CommandError("out of memory");
    list.release();
    list.reset(grown);
  };
  // No "Expect: 100-continue" (libcurl's default for larger bodies), no Accept.
  add("Expect:");
  add("Accept:");
  add("Connection: close");
  for (const auto& [name, value] : headers) add(name + ": " + value);

  CURL* curl = handle.get();
  if (curl == nullptr) throw CommandError("cannot set up the HTTP client (libcurl)");
  const std::string target = (url.tls ? "https://" : "http://") + url.host_header + url.target;
  char error[CURL_ERROR_SIZE] = "";
  HttpResponse response;
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");  // never through a proxy from the environment
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "voxfra-send-test");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  // Gives up after `timeout_ms` to connect, or a second-rounded `timeout_ms` of silence.
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>((timeout_ms + 999) / 1000));
  if (std::getenv("SSL_CERT_FILE") != nullptr || std::getenv("SSL_CERT_DIR") != nullptr) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, nullptr);
    curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
    curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, use_openssl_default_paths);
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header_line);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);

  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) fail(code, error, url);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 100 || status > 599) throw CommandError("the answer of " + url.host_header + " is not HTTP/1.x");
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace voxfra::cli
