#include "fleet/nats_client.h"

#include <chrono>
#include <fstream>

namespace voxfra::fleet {

namespace {

// A dead link is noticed after two missed pings (libnats' default is one
// ping every two minutes); the reconnect loop never gives up (the default
// closes the connection for good after 60 tries).
constexpr int64_t kPingIntervalMs = 5000;
constexpr int kMaxPingsOut = 2;
constexpr int64_t kReconnectWaitMs = 500;
constexpr int64_t kConnectTimeoutMs = 3000;

class Options {
 public:
  Options() { check(natsOptions_Create(&opts_), "cannot create NATS options"); }
  ~Options() { natsOptions_Destroy(opts_); }
  natsOptions* get() const { return opts_; }
  natsOptions* release() {
    natsOptions* o = opts_;
    opts_ = nullptr;
    return o;
  }

 private:
  natsOptions* opts_ = nullptr;
};

}  // namespace

std::vector<std::string> parse_nats_urls(const std::string& list) {
  std::vector<std::string> urls;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    std::string url = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? list.size() + 1 : comma + 1;
    if (url.empty()) continue;
    if (!url.starts_with("nats://") && !url.starts_with("tls://")) {
      throw std::invalid_argument("--nats \"" + url + "\": use nats://HOST:PORT or tls://HOST:PORT");
    }
    if (url.find('@') != std::string::npos) {
      throw std::invalid_argument("--nats: give no credentials in the URL; use --nats-user and --nats-password-file");
    }
    urls.push_back(url);
  }
  if (urls.empty()) throw std::invalid_argument("--nats needs at least one URL");
  return urls;
}

std::string read_password_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read --nats-password-file \"" + path + "\"");
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  if (line.empty()) throw std::runtime_error("--nats-password-file \"" + path + "\" is empty");
  return line;
}

std::string last_error_text(natsStatus s) {
  const char* text = nats_GetLastError(nullptr);
  return (text != nullptr && *text != '\0') ? text : natsStatus_GetText(s);
}

void check(natsStatus s, const std::string& what, int js_code) {
  if (s != NATS_OK) throw NatsError(what + ": " + last_error_text(s), s, js_code);
}

const char* link_event_name(LinkEvent e) {
  switch (e) {
    case LinkEvent::connected: return "connected";
    case LinkEvent::lost: return "lost";
    case LinkEvent::resumed: return "resumed";
    case LinkEvent::closed: return "closed";
  }
  return "?";
}

NatsConnection::NatsConnection(const NatsSettings& s, bool keep_trying, EventFn on_event)
    : on_event_(std::move(on_event)) {
  Options o;
  std::vector<const char*> urls;
  for (const std::string& u : s.urls) urls.push_back(u.c_str());
  check(natsOptions_SetServers(o.get(), urls.data(), static_cast<int>(urls.size())), "bad --nats URLs");
  if (!s.user.empty()) {
    check(natsOptions_SetUserInfo(o.get(), s.user.c_str(), s.password.c_str()), "cannot set the NATS user");
  }
  if (!s.ca_file.empty()) {
    check(natsOptions_SetSecure(o.get(), true), "cannot enable TLS");
    check(natsOptions_LoadCATrustedCertificates(o.get(), s.ca_file.c_str()),
          "cannot load --nats-ca \"" + s.ca_file + "\"");
  }
  if (!s.name.empty()) natsOptions_SetName(o.get(), s.name.c_str());
  natsOptions_SetMaxReconnect(o.get(), -1);
  natsOptions_SetReconnectWait(o.get(), kReconnectWaitMs);
  natsOptions_SetReconnectJitter(o.get(), 100, 500);
  natsOptions_SetPingInterval(o.get(), kPingIntervalMs);
  natsOptions_SetMaxPingsOut(o.get(), kMaxPingsOut);
  natsOptions_SetTimeout(o.get(), kConnectTimeoutMs);
  // Requests fail at once while disconnected instead of waiting out their timeout.
  natsOptions_SetFailRequestsOnDisconnect(o.get(), true);
  natsOptions_SetDisconnectedCB(o.get(), &NatsConnection::on_disconnected, this);
  natsOptions_SetReconnectedCB(o.get(), &NatsConnection::on_reconnected, this);
  natsOptions_SetClosedCB(o.get(), &NatsConnection::on_closed, this);
  if (keep_trying) {
    natsOptions_SetRetryOnFailedConnect(o.get(), true, &NatsConnection::on_connected, this);
  }
  natsStatus st = natsConnection_Connect(&conn_, o.get());
  if (st == NATS_NOT_YET_CONNECTED) {
    // Connecting in the background; on_connected reports it.
  } else if (st != NATS_OK) {
    std::string text = last_error_text(st);
    if (conn_ != nullptr) natsConnection_Destroy(conn_);
    conn_ = nullptr;
    throw NatsError("cannot connect to NATS (" + std::to_string(s.urls.size()) + " server" +
                        (s.urls.size() == 1 ? "" : "s") + "): " + text,
                    st);
  } else if (!keep_trying) {
    // Connected at once: the connected callback only fires on a background connect.
  } else {
    report(LinkEvent::connected, conn_);
  }
  options_ = o.release();
}

NatsConnection::~NatsConnection() {
  for (jsCtx* js : contexts_) jsCtx_Destroy(js);
  if (conn_ != nullptr) {
    natsConnection_Close(conn_);
    std::unique_lock lock(event_mutex_);
    closed_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return closed_; });
    lock.unlock();
    natsConnection_Destroy(conn_);
  }
  natsOptions_Destroy(options_);
}

std::string NatsConnection::connected_url() const {
  char buf[256] = {0};
  if (natsConnection_GetConnectedUrl(conn_, buf, sizeof buf) != NATS_OK) return "";
  return buf;
}

jsCtx* NatsConnection::jetstream(jsOptions* options) {
  jsCtx* js = nullptr;
  check(natsConnection_JetStream(&js, conn_, options), "cannot open a JetStream context");
  std::lock_guard lock(contexts_mutex_);
  contexts_.push_back(js);
  return js;
}

// `nc`, not conn_: a background connect may report before the constructor
// has stored conn_.
void NatsConnection::report(LinkEvent e, natsConnection* nc) {
  if (!on_event_) return;
  char url[256] = {0};
  if (nc != nullptr && natsConnection_GetConnectedUrl(nc, url, sizeof url) != NATS_OK) url[0] = '\0';
  std::string detail = url;
  // Closed for good (an authorization violation, twice): say why.
  const char* why = nullptr;
  if (e == LinkEvent::closed && nc != nullptr && natsConnection_GetLastError(nc, &why) != NATS_OK && why != nullptr) {
    detail = why;
  }
  std::lock_guard lock(event_mutex_);
  on_event_(e, detail);
}

void NatsConnection::on_connected(natsConnection* nc, void* self) {
  static_cast<NatsConnection*>(self)->report(LinkEvent::connected, nc);
}
void NatsConnection::on_disconnected(natsConnection* nc, void* self) {
  static_cast<NatsConnection*>(self)->report(LinkEvent::lost, nc);
}
void NatsConnection::on_reconnected(natsConnection* nc, void* self) {
  static_cast<NatsConnection*>(self)->report(LinkEvent::resumed, nc);
}
void NatsConnection::on_closed(natsConnection* nc, void* self) {
  auto* connection = static_cast<NatsConnection*>(self);
  connection->report(LinkEvent::closed, nc);
  std::lock_guard lock(connection->event_mutex_);
  connection->closed_ = true;
  connection->closed_cv_.notify_all();
}

}  // namespace voxfra::fleet
