#include "cli/http_client.h"

#include <strings.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "cli/connection.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

std::string where(const HttpUrl& url) { return url.host_header; }

std::optional<std::size_t> parse_size(std::string_view text, int base);

// The size of the whole response once its head has arrived and says how long
// its body is (Content-Length), so that a server that keeps the connection
// open anyway is not waited on; nullopt until then, or to read until close.
std::optional<std::size_t> expected_size(std::string_view raw) {
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return std::nullopt;
  constexpr std::string_view kName = "\r\ncontent-length:";
  std::string_view head = raw.substr(0, head_end + 2);
  for (std::size_t at = 0; (at = head.find("\r\n", at)) != std::string_view::npos; at += 2) {
    if (head.size() - at < kName.size() || strncasecmp(head.data() + at, kName.data(), kName.size()) != 0) continue;
    std::string_view value = head.substr(at + kName.size());
    value = value.substr(0, value.find("\r\n"));
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    if (auto length = parse_size(value, 10)) return head_end + 4 + *length;
    return std::nullopt;
  }
  return std::nullopt;
}

std::string receive_all(Connection& connection) {
  std::string raw;
  char buffer[16384];
  for (;;) {
    if (auto size = expected_size(raw); size && raw.size() >= *size) return raw;
    const std::size_t n = connection.read_some(buffer, sizeof buffer);
    if (n == 0) return raw;
    raw.append(buffer, n);
  }
}

std::optional<std::size_t> parse_size(std::string_view text, int base) {
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return value;
}

// RFC 9112 §7.1: size [; extensions] CRLF data CRLF ... 0 CRLF [trailers] CRLF.
std::optional<std::string> dechunk(std::string_view body) {
  std::string out;
  for (;;) {
    const std::size_t eol = body.find("\r\n");
    if (eol == std::string_view::npos) return std::nullopt;
    auto size = parse_size(body.substr(0, eol), 16);
    if (!size) return std::nullopt;
    body.remove_prefix(eol + 2);
    if (*size == 0) return out;
    if (body.size() < *size + 2) return std::nullopt;
    out.append(body.substr(0, *size));
    body.remove_prefix(*size + 2);
  }
}

HttpResponse parse_response(std::string_view raw, const HttpUrl& url) {
  const std::string bad = "the answer of " + where(url) + " is not HTTP/1.x";
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.") || head_end == std::string_view::npos) throw CommandError(bad);
  std::string_view head = raw.substr(0, head_end);
  HttpResponse response;

  std::size_t eol = std::min(head.find("\r\n"), head.size());
  std::string_view status_line = head.substr(0, eol);
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || status_line[8] != ' ') throw CommandError(bad);
  auto status = parse_size(status_line.substr(9, 3), 10);
  if (!status || *status < 100 || *status > 599) throw CommandError(bad);
  response.status = static_cast<int>(*status);
  if (status_line.size() > 13) response.reason = std::string(status_line.substr(13));

  for (head.remove_prefix(std::min(eol + 2, head.size())); !head.empty();) {
    eol = std::min(head.find("\r\n"), head.size());
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(std::min(eol + 2, head.size()));
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }

  std::string_view body = raw.substr(head_end + 4);
  if (response.header("Transfer-Encoding").find("chunked") != std::string_view::npos) {
    auto decoded = dechunk(body);
    if (!decoded) throw CommandError("the chunked answer of " + where(url) + " is cut short");
    response.body = std::move(*decoded);
  } else if (auto length = parse_size(response.header("Content-Length"), 10)) {
    if (body.size() < *length) throw CommandError("the answer of " + where(url) + " is cut short");
    response.body = std::string(body.substr(0, *length));
  } else {
    response.body = std::string(body);
  }
  return response;
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
  std::string request = "POST " + url.target + " HTTP/1.1\r\nHost: " + url.host_header +
                        "\r\nUser-Agent: voxfra-send-test\r\nConnection: close\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n";
  request += body;

  Connection connection({url.host, url.port, url.tls, url.host_header}, timeout_ms);
  connection.write_all(request);
  return parse_response(receive_all(connection), url);
}

}  // namespace voxfra::cli
