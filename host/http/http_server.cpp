// http_server.cpp — listeners over Poco::Net::TCPServer with guarded HTTP
// connections.
#include "http/http_server.hpp"

#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "http/connection_watchdog.hpp"
#include "http/request_router.hpp"
#include "http/tls_server_context.hpp"

namespace pe::host {
namespace {

Poco::Timespan to_timespan(Duration d) {
  return Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

void bind_to(Poco::Net::ServerSocket& socket, const std::string& address) {
  if (!address.empty() && address[0] == ':') {
    auto port = static_cast<Poco::UInt16>(std::stoi(address.substr(1)));
    try {
      socket.bind6(Poco::Net::SocketAddress(Poco::Net::IPAddress::IPv6, port), true, false);
    } catch (const Poco::Exception&) {  // no IPv6 here: IPv4 only
      socket.bind(Poco::Net::SocketAddress(Poco::Net::IPAddress::IPv4, port), true);
    }
  } else {
    Poco::Net::SocketAddress sa(address);
    if (sa.family() == Poco::Net::SocketAddress::IPv6)
      socket.bind6(sa, true, true);
    else
      socket.bind(sa, true);
  }
  socket.listen(256);
}

// One HTTP connection, with its header/body deadline guard.
class GuardedConnection : public Poco::Net::TCPServerConnection {
 public:
  GuardedConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                    Poco::Net::HTTPRequestHandlerFactory::Ptr router, ConnectionWatchdog& watchdog,
                    Duration header_timeout)
      : TCPServerConnection(socket),
        params_(std::move(params)),
        router_(std::move(router)),
        watchdog_(watchdog),
        header_timeout_(header_timeout) {}

  void run() override {
    ConnectionGuard guard(watchdog_, socket());
    guard.arm(header_timeout_);  // the first request's headers (and the TLS handshake)
    Poco::Net::HTTPServerConnection http(socket(), params_, router_);
    http.run();
  }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr router_;
  ConnectionWatchdog& watchdog_;
  Duration header_timeout_;
};

class GuardedConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  GuardedConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                           Poco::Net::HTTPRequestHandlerFactory::Ptr router,
                           ConnectionWatchdog& watchdog, Duration header_timeout)
      : params_(std::move(params)),
        router_(std::move(router)),
        watchdog_(watchdog),
        header_timeout_(header_timeout) {}

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new GuardedConnection(socket, params_, router_, watchdog_, header_timeout_);
  }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr router_;
  ConnectionWatchdog& watchdog_;
  Duration header_timeout_;
};

}  // namespace

HttpServer::HttpServer(const WebConfig& web, ServerContext& ctx) : web_(web), ctx_(ctx) {}

HttpServer::~HttpServer() {
  stop(0);
}

void HttpServer::start() {
  bool any_tls = false;
  for (const ListenerConfig& l : web_.listeners) any_tls |= l.tls.has_value();
  if (any_tls) Poco::Net::initializeSSL();
  const int max_threads = web_.http_threads * static_cast<int>(web_.listeners.size());
  threads_ = std::make_unique<Poco::ThreadPool>(2, max_threads, 60, 0);
  for (const ListenerConfig& lc : web_.listeners) {
    auto listener = std::make_unique<ListenerContext>();
    listener->config = lc;
    std::string error;
    auto allow = CidrAllowlist::parse(lc.allow_cidrs, error);
    if (!allow) throw std::runtime_error("listener " + lc.address + ": " + error);
    listener->allow = std::move(*allow);

    std::unique_ptr<Poco::Net::ServerSocket> socket;
    try {
      if (lc.tls) {
        listener->tls = std::make_unique<TlsServerContext>(*lc.tls);
        socket = std::make_unique<Poco::Net::SecureServerSocket>(
            Poco::Net::Context::Ptr(listener->tls->poco_context(), true));
      } else {
        socket = std::make_unique<Poco::Net::ServerSocket>();
      }
      bind_to(*socket, lc.address);
    } catch (const Poco::Exception& e) {
      throw std::runtime_error("cannot listen on " + lc.address + ": " + e.displayText());
    } catch (const std::invalid_argument&) {
      throw std::runtime_error("cannot listen on " + lc.address +
                               ": not an address (host:port or :port)");
    } catch (const std::runtime_error& e) {
      throw std::runtime_error("listener " + lc.address + ": " + e.what());
    }
    socket->setSendTimeout(to_timespan(web_.write_timeout));

    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(web_.http_threads);
    int queue = web_.http_queue;
    if (lc.max_connections > 0)
      queue = std::max(1, static_cast<int>(lc.max_connections) - web_.http_threads);
    params->setMaxQueued(queue);
    params->setTimeout(to_timespan(web_.read_timeout));
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(to_timespan(web_.keep_alive_timeout));
    params->setMaxKeepAliveRequests(1000);
    params->setServerName("plugin_exporter");
    Poco::Net::HTTPRequestHandlerFactory::Ptr router = new RequestRouter(ctx_, *listener);
    auto server = std::make_unique<Poco::Net::TCPServer>(
        new GuardedConnectionFactory(params, router, ctx_.watchdog, web_.header_timeout), *threads_,
        *socket, params);
    server->start();
    bound_.push_back((lc.tls ? "https://" : "http://") + socket->address().toString());
    listeners_.push_back(std::move(listener));
    servers_.push_back(std::move(server));
  }
}

void HttpServer::stop(long grace_ms) {
  if (servers_.empty()) return;
  for (auto& s : servers_) s->stop();  // stop accepting; connections finish
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (std::chrono::steady_clock::now() < until) {
    int busy = 0;
    for (auto& s : servers_) busy += s->currentConnections();
    if (busy == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ctx_.watchdog.shutdown_all();  // idle keep-alive and overdue connections
  servers_.clear();
  if (threads_) {
    threads_->stopAll();
    threads_.reset();
  }
  listeners_.clear();
}

}  // namespace pe::host
