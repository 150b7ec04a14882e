// remote_write_client.cpp — Poco HTTPClientSession / HTTPSClientSession.
#include "remote_write/remote_write_client.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/X509Certificate.h>
#include <Poco/URI.h>

#include <cstdlib>
#include <istream>
#include <sstream>

#include "remote_write/retry_policy.hpp"
#include "remote_write/write_request_encoder.hpp"

namespace pe::host::remote_write {
namespace {

// Poco checks the certificate chain but not, with a Context of our own,
// that the certificate names the host: this session connects explicitly and
// checks the name before the first byte of a request (and its
// Authorization) is written.
class VerifiedHttpsSession : public Poco::Net::HTTPSClientSession {
 public:
  using HTTPSClientSession::HTTPSClientSession;
  void connect_verified(const std::string& name, bool skip) {
    if (connected()) return;
    reconnect();
    Poco::Net::SecureStreamSocket socket(this->socket());
    socket.completeHandshake();
    if (!skip && !Poco::Net::X509Certificate::verify(socket.peerCertificate(), name))
      throw Poco::Net::CertificateValidationException("the receiver's certificate does not name " +
                                                      name);
  }
};

}  // namespace

struct RemoteWriteClient::Impl {
  RemoteWriteConfig config;
  Poco::URI uri;
  std::string target;  // path and query
  Poco::Net::Context::Ptr tls;
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  std::string authorization;

  explicit Impl(const RemoteWriteConfig& c) : config(c), uri(c.url) {
    target = uri.getPathAndQuery();
    if (target.empty()) target = "/";
    if (uri.getScheme() == "https") {
      Poco::Net::initializeSSL();
      const RemoteWriteTls& t = c.tls;
      tls = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, t.key_file, t.cert_file,
                                   t.ca_file,
                                   t.insecure_skip_verify ? Poco::Net::Context::VERIFY_NONE
                                                          : Poco::Net::Context::VERIFY_RELAXED,
                                   9, /*loadDefaultCAs=*/t.ca_file.empty());
    }
    if (c.has_basic_auth) {
      std::ostringstream b64;
      Poco::Base64Encoder enc(b64);
      enc.rdbuf()->setLineLength(0);
      enc << c.basic_auth_username << ':' << c.basic_auth_password;
      enc.close();
      authorization = "Basic " + b64.str();
    } else if (!c.bearer_token.empty()) {
      authorization = "Bearer " + c.bearer_token;
    }
  }
  ~Impl() {
    session.reset();
    if (tls) Poco::Net::uninitializeSSL();
  }

  Poco::Net::HTTPClientSession& connected() {
    if (!session) open();
    if (tls)
      static_cast<VerifiedHttpsSession&>(*session).connect_verified(
          config.tls.server_name.empty() ? uri.getHost() : config.tls.server_name,
          config.tls.insecure_skip_verify);
    return *session;
  }

  void open() {
    const Poco::Timespan timeout(
        std::chrono::duration_cast<std::chrono::microseconds>(config.timeout).count());
    if (!tls) {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    } else {
      auto https = std::make_unique<VerifiedHttpsSession>(uri.getHost(), uri.getPort(), tls);
      // Another name than the url's host: the session's socket uses it for
      // SNI and certificate verification (connect() keeps a name already set).
      if (!config.tls.server_name.empty())
        Poco::Net::SecureStreamSocket(https->socket()).setPeerHostName(config.tls.server_name);
      session = std::move(https);
    }
    session->setTimeout(timeout);
    session->setKeepAlive(true);
  }
};

RemoteWriteClient::RemoteWriteClient(const RemoteWriteConfig& config)
    : impl_(std::make_unique<Impl>(config)) {}

RemoteWriteClient::~RemoteWriteClient() = default;

SendResult RemoteWriteClient::send(const std::string& body, RemoteWriteProtocol protocol) {
  SendResult r;
  try {
    Poco::Net::HTTPClientSession& session = impl_->connected();
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, impl_->target,
                               Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : impl_->config.headers) req.set(k, v);
    for (const auto& [k, v] : remote_write_headers(protocol)) req.set(k, v);
    if (!impl_->authorization.empty()) req.set("Authorization", impl_->authorization);
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    req.setKeepAlive(true);
    std::ostream& out = session.sendRequest(req);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    r.status = static_cast<int>(resp.getStatus());
    // Read (and keep the start of) the answer so the connection can be reused.
    char buf[4096];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      if (r.status >= 300 && r.error.size() < 512)
        r.error.append(buf, std::min<std::size_t>(static_cast<std::size_t>(in.gcount()),
                                                  512 - r.error.size()));
    }
    if (resp.has("Retry-After"))
      r.retry_after = parse_retry_after(resp.get("Retry-After"), std::chrono::system_clock::now());
    if (resp.has(std::string(kSamplesWrittenHeader))) {
      const std::string& v = resp.get(std::string(kSamplesWrittenHeader));
      char* end = nullptr;
      unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      if (!v.empty() && end && *end == '\0') r.samples_written = n;
    }
    if (!resp.getKeepAlive()) impl_->session.reset();
  } catch (const Poco::Exception& e) {
    r.status = 0;
    r.error = e.displayText();
    impl_->session.reset();
  } catch (const std::exception& e) {
    r.status = 0;
    r.error = e.what();
    impl_->session.reset();
  }
  return r;
}

}  // namespace pe::host::remote_write
