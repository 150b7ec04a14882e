// http_server.cpp — listeners over Poco::Net::HTTPServer.
#include "http/http_server.hpp"

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "http/request_router.hpp"

namespace pe::host {
namespace {

Poco::Timespan to_timespan(Duration d) {
  return Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

Poco::Net::ServerSocket bind_listener(const std::string& address) {
  try {
    if (!address.empty() && address[0] == ':') {
      auto port = static_cast<Poco::UInt16>(std::stoi(address.substr(1)));
      Poco::Net::ServerSocket socket;
      try {
        socket.bind6(Poco::Net::SocketAddress(Poco::Net::IPAddress::IPv6, port), true, false);
      } catch (const Poco::Exception&) {
        socket = Poco::Net::ServerSocket();
        socket.bind(Poco::Net::SocketAddress(Poco::Net::IPAddress::IPv4, port), true);
      }
      socket.listen(256);
      return socket;
    }
    Poco::Net::SocketAddress sa(address);
    Poco::Net::ServerSocket socket;
    if (sa.family() == Poco::Net::SocketAddress::IPv6) socket.bind6(sa, true, true);
    else socket.bind(sa, true);
    socket.listen(256);
    return socket;
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + address + ": " + e.displayText());
  } catch (const std::logic_error&) {
    throw std::runtime_error("cannot listen on " + address + ": not an address (host:port or :port)");
  }
}

}  // namespace

HttpServer::HttpServer(const WebConfig& web, ServerContext& ctx) : web_(web), ctx_(ctx) {}

HttpServer::~HttpServer() { stop(0); }

void HttpServer::start() {
  const int max_threads = web_.http_threads * static_cast<int>(web_.listen_addresses.size());
  threads_ = std::make_unique<Poco::ThreadPool>(2, max_threads, 60, 0);
  for (const std::string& address : web_.listen_addresses) {
    Poco::Net::ServerSocket socket = bind_listener(address);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(web_.http_threads);
    params->setMaxQueued(web_.http_queue);
    params->setTimeout(to_timespan(web_.read_timeout));
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(to_timespan(web_.keep_alive_timeout));
    params->setMaxKeepAliveRequests(1000);
    params->setServerName("plugin_exporter");
    socket.setSendTimeout(to_timespan(web_.write_timeout));
    auto server = std::make_unique<Poco::Net::HTTPServer>(new RequestRouter(ctx_), *threads_,
                                                          socket, params);
    server->start();
    bound_.push_back(socket.address().toString());
    servers_.push_back(std::move(server));
  }
}

void HttpServer::stop(long grace_ms) {
  if (servers_.empty()) return;
  for (auto& s : servers_) s->stop();  // stop accepting; connections finish
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  for (;;) {
    int busy = 0;
    for (auto& s : servers_) busy += s->currentConnections();
    if (busy == 0 || std::chrono::steady_clock::now() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& s : servers_) s->stopAll(true);
  servers_.clear();
  if (threads_) {
    threads_->stopAll();
    threads_.reset();
  }
}

}  // namespace pe::host
