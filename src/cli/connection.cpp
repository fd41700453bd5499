#include "cli/connection.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

// A connected socket whose sends and receives (and, on Linux, connect)
// give up after `timeout_ms`.
int connect_to(const Endpoint& to, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(to.host.c_str(), to.port.c_str(), &hints, &found); rc != 0) {
    throw CommandError("cannot resolve \"" + to.host + "\": " + gai_strerror(rc));
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
  if (fd < 0) throw CommandError("cannot connect to " + to.label + ": " + last_error);
  return fd;
}

bool is_ip_address(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// OpenSSL's queued errors as one sentence, emptying the queue.
std::string openssl_errors() {
  std::string text;
  for (unsigned long e; (e = ERR_get_error()) != 0;) {
    char line[256];
    ERR_error_string_n(e, line, sizeof line);
    text += (text.empty() ? "" : "; ") + std::string(line);
  }
  return text.empty() ? "unknown error" : text;
}

}  // namespace

struct Connection::Tls {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~Tls() {
    if (ssl != nullptr) {
      SSL_shutdown(ssl);  // best effort: a close_notify, not waiting for the peer's
      SSL_free(ssl);
    }
    SSL_CTX_free(ctx);
  }

  void handshake(int fd, const Endpoint& to) {
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) throw CommandError("cannot set up TLS: " + openssl_errors());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_default_verify_paths(ctx);  // the system's CAs, or SSL_CERT_FILE / SSL_CERT_DIR
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);  // a server closing without close_notify is EOF
#endif
    ssl = SSL_new(ctx);
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) throw CommandError("cannot set up TLS: " + openssl_errors());
    // The certificate must name the host of the URL: an IP address as an IP
    // SAN, a name as a DNS name (also sent as SNI).
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    const bool ip = is_ip_address(to.host);
    if (ip ? X509_VERIFY_PARAM_set1_ip_asc(param, to.host.c_str()) != 1
           : (SSL_set_tlsext_host_name(ssl, to.host.c_str()) != 1 || SSL_set1_host(ssl, to.host.c_str()) != 1)) {
      throw CommandError("cannot set up TLS for " + to.label + ": " + openssl_errors());
    }
    if (SSL_connect(ssl) != 1) {
      const long verdict = SSL_get_verify_result(ssl);
      if (verdict != X509_V_OK) {
        throw CommandError("the TLS certificate of " + to.label + " is not trusted: " +
                           X509_verify_cert_error_string(verdict));
      }
      throw CommandError("the TLS handshake with " + to.label + " failed: " + openssl_errors());
    }
  }
};

Connection::Connection(const Endpoint& to, int timeout_ms) : label_(to.label), fd_(connect_to(to, timeout_ms)) {
  if (!to.tls) return;
  try {
    tls_ = std::make_unique<Tls>();
    tls_->handshake(fd_, to);
  } catch (...) {
    tls_.reset();
    ::close(fd_);
    throw;
  }
}

Connection::~Connection() {
  tls_.reset();
  ::close(fd_);
}

void Connection::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    if (tls_) {
      std::size_t written = 0;
      if (SSL_write_ex(tls_->ssl, bytes.data(), bytes.size(), &written) != 1) {
        throw CommandError("cannot send to " + label_ + ": " + openssl_errors());
      }
      bytes.remove_prefix(written);
      continue;
    }
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw CommandError("cannot send to " + label_ + ": " + std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::size_t Connection::read_some(char* buffer, std::size_t size) {
  for (;;) {
    if (tls_) {
      std::size_t got = 0;
      if (SSL_read_ex(tls_->ssl, buffer, size, &got) == 1) return got;
      const int error = SSL_get_error(tls_->ssl, 0);
      if (error == SSL_ERROR_ZERO_RETURN) return 0;
      if (error == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        throw CommandError("no answer from " + label_ + " in time");
      }
      if (error == SSL_ERROR_SYSCALL && errno == 0) return 0;  // EOF without close_notify
      throw CommandError("cannot read from " + label_ + ": " + openssl_errors());
    }
    ssize_t n = ::recv(fd_, buffer, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) throw CommandError("no answer from " + label_ + " in time");
      throw CommandError("cannot read from " + label_ + ": " + std::strerror(errno));
    }
    return static_cast<std::size_t>(n);
  }
}

}  // namespace voxfra::cli
