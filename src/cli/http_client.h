// One HTTP/1.1 POST for `voxfra send-test`, through libcurl: TCP, or TLS for
// https:// (the peer's certificate verified against the system's trust store,
// or the one SSL_CERT_FILE / SSL_CERT_DIR name, and matched to the URL's host
// name or IP address), `Connection: close`, the whole answer read back. No
// redirects, no proxies. Every failure is a CommandError that names the server.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace voxfra::cli {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpUrl {
  bool tls = false;  // https://
  std::string host;  // without IPv6 brackets
  std::string port;  // "80" (http) or "443" (https) unless given
  std::string host_header;  // host[:port] as written in the URL
  std::string target;       // path and query, "/" when the URL has none
};

// http[s]://host[:port][/path][?query]; throws UsageError naming `option`
// for anything else.
HttpUrl parse_http_url(std::string_view option, std::string_view url);

struct HttpResponse {
  int status = 0;
  std::string reason;
  HttpHeaders headers;  // names as sent
  std::string body;     // as decoded (chunked or not)

  // The first header named `name` (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
};

// Sends `body` with `headers` (plus Host, Content-Length, Connection) and
// reads the answer; throws CommandError when the server cannot be reached,
// times out after `timeout_ms` of silence, or answers something that is not
// HTTP/1.x.
HttpResponse http_post(const HttpUrl& url, const HttpHeaders& headers, std::string_view body, int timeout_ms);

}  // namespace voxfra::cli
