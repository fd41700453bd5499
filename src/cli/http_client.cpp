#include "cli/http_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <strings.h>

#include "cli/errors.h"

namespace voxfra::cli {

namespace {

// Closes the socket however the request ends.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string where(const HttpUrl& url) { return url.host_header; }

// A connected socket whose sends and receives (and, on Linux, connect)
// give up after `timeout_ms`.
int connect_to(const HttpUrl& url, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found); rc != 0) {
    throw CommandError("cannot resolve \"" + url.host + "\": " + gai_strerror(rc));
  }
  const timeval timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  std::string last_error = "no address";
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      last_error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) throw CommandError("cannot connect to " + where(url) + ": " + last_error);
  return fd;
}

void send_all(int fd, std::string_view bytes, const HttpUrl& url) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw CommandError("cannot send to " + where(url) + ": " + std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

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

std::string receive_all(int fd, const HttpUrl& url) {
  std::string raw;
  char buffer[16384];
  for (;;) {
    if (auto size = expected_size(raw); size && raw.size() >= *size) return raw;
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) throw CommandError("no answer from " + where(url) + " in time");
      throw CommandError("cannot read from " + where(url) + ": " + std::strerror(errno));
    }
    if (n == 0) return raw;
    raw.append(buffer, static_cast<std::size_t>(n));
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
  if (url.starts_with("https://")) {
    throw UsageError(bad + "https is not supported; use the http:// URL of the server (e.g. its "
                           "listener on 127.0.0.1) or a local TLS proxy");
  }
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) throw UsageError(bad + "expected an http:// URL");
  std::string_view rest = url.substr(kScheme.size());
  const std::size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  HttpUrl out;
  out.target = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (out.target.front() == '?') out.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) throw UsageError(bad + "user information is not supported");
  out.host_header = std::string(authority);

  std::string_view host = authority;
  std::string_view port = "80";
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

  Socket socket(connect_to(url, timeout_ms));
  send_all(socket.fd(), request, url);
  return parse_response(receive_all(socket.fd(), url), url);
}

}  // namespace voxfra::cli
