// One client connection for `voxfra send-test`: TCP, and TLS on top for
// https:// URLs (OpenSSL, the peer's certificate verified against the
// system's trust store, or the one SSL_CERT_FILE / SSL_CERT_DIR name, and
// matched to the URL's host name or IP address). Every failure is a
// CommandError that names the server; sends and receives give up after the
// timeout.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace voxfra::cli {

struct Endpoint {
  std::string host;   // a name, an IPv4 or an IPv6 address (no brackets)
  std::string port;
  bool tls = false;
  std::string label;  // how messages name it: host[:port] as in the URL
};

class Connection {
 public:
  Connection(const Endpoint& to, int timeout_ms);  // connects (and handshakes)
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void write_all(std::string_view bytes);
  // Up to `size` bytes; 0 when the server has closed the connection.
  std::size_t read_some(char* buffer, std::size_t size);

 private:
  struct Tls;
  std::string label_;
  int fd_ = -1;
  std::unique_ptr<Tls> tls_;
};

}  // namespace voxfra::cli
