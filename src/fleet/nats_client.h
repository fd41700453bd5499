// A connection to the fleet's NATS servers (docs/fleet.md): TLS, user and
// password, reconnecting for ever. The daemon and the CLI's --nats share it.
// libnats is used only in src/fleet.
#pragma once
#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace voxfra::fleet {

struct NatsSettings {
  std::vector<std::string> urls;  // nats://host:port or tls://host:port
  std::string user;
  std::string password;           // read from --nats-password-file; never logged
  std::string ca_file;            // trust these CAs (implies TLS)
  std::string name;               // the client name the servers show
};

// --nats URL[,URL...]: split, each checked to be nats:// or tls://, and
// without credentials (they go in --nats-user and the password file, so that
// they never show in `ps` or a log). Throws std::invalid_argument.
std::vector<std::string> parse_nats_urls(const std::string& list);
// The first line of the file, without its line end. Throws std::runtime_error.
std::string read_password_file(const std::string& path);

// A libnats failure, with the library's own words and, for a JetStream API
// error, its code (10071: wrong last sequence, ...).
class NatsError : public std::runtime_error {
 public:
  NatsError(const std::string& what, natsStatus status, int js_code = 0)
      : std::runtime_error(what), status_(status), js_code_(js_code) {}
  natsStatus status() const { return status_; }
  int js_code() const { return js_code_; }

 private:
  natsStatus status_;
  int js_code_;
};

// Throws NatsError "<what>: <libnats' last error>" unless s is NATS_OK.
void check(natsStatus s, const std::string& what, int js_code = 0);
std::string last_error_text(natsStatus s);

enum class LinkEvent { connected, lost, resumed, closed };
const char* link_event_name(LinkEvent e);

class NatsConnection {
 public:
  // `detail`: the server's URL, or for `closed` the reason.
  using EventFn = std::function<void(LinkEvent, const std::string& detail)>;
  // keep_trying: the daemon starts even when no server answers and connects
  // in the background; without it (the CLI) an unreachable fleet throws.
  NatsConnection(const NatsSettings& settings, bool keep_trying, EventFn on_event = {});
  ~NatsConnection();
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  natsConnection* get() const { return conn_; }
  bool connected() const { return natsConnection_Status(conn_) == NATS_CONN_STATUS_CONNECTED; }
  std::string connected_url() const;
  // A JetStream context on this connection; `options` may be null.
  jsCtx* jetstream(jsOptions* options = nullptr);

 private:
  static void on_connected(natsConnection*, void* self);
  static void on_disconnected(natsConnection*, void* self);
  static void on_reconnected(natsConnection*, void* self);
  static void on_closed(natsConnection*, void* self);
  void report(LinkEvent e, natsConnection* nc);

  natsConnection* conn_ = nullptr;
  natsOptions* options_ = nullptr;
  // The daemon's threads each open their contexts: the list is shared.
  std::mutex contexts_mutex_;
  std::vector<jsCtx*> contexts_;
  EventFn on_event_;
  std::mutex event_mutex_;
  // libnats runs the callbacks on its own thread, after natsConnection_Close
  // and Destroy have returned: the destructor waits for the last one, closed.
  std::condition_variable closed_cv_;
  bool closed_ = false;
};

}  // namespace voxfra::fleet
