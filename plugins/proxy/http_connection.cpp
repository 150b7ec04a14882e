// http_connection.cpp — sockets (Poco::Net) with deadline-bounded I/O.
#include "http_connection.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <cstdio>

#include "plugin_exporter/plugin.hpp"

namespace pe::proxy {
namespace {

// The socket timeout for the time left; never 0 (which Poco takes as "none").
Poco::Timespan time_left(const Deadline& deadline) {
  int64_t us = deadline.remaining_ns() / 1000;
  return Poco::Timespan(std::max<int64_t>(us, 1000));
}

std::string message_of(const std::exception& e) {
  if (auto* p = dynamic_cast<const Poco::Exception*>(&e)) return p->displayText();
  return e.what();
}

[[noreturn]] void throw_timeout(const std::string& what) {
  throw CollectFailure(PE_TIMEOUT, what);
}

}  // namespace

HttpConnection::~HttpConnection() {
  try {
    socket_.close();
  } catch (...) {
  }
}

void HttpConnection::fail_io(const char* doing, const std::exception& e, const Deadline& deadline) {
  if (dynamic_cast<const Poco::TimeoutException*>(&e) || deadline.passed())
    throw_timeout(std::string("timed out ") + doing + " " + display_);
  throw CollectFailure(PE_ERROR, std::string(doing) + " " + display_ + ": " + message_of(e));
}

std::unique_ptr<HttpConnection> HttpConnection::open(const Endpoint& endpoint,
                                                     const Deadline& deadline) {
  if (deadline.passed()) throw_timeout("no time left to connect to " + endpoint.display);
  Poco::Net::SocketAddress address;
  try {
    address = Poco::Net::SocketAddress(endpoint.host, endpoint.port);
  } catch (const std::exception& e) {
    throw CollectFailure(PE_ERROR, "cannot resolve " + endpoint.display + ": " + message_of(e));
  }
  try {
    if (endpoint.tls) {
      Poco::Net::SecureStreamSocket secure(endpoint.tls);
      secure.setPeerHostName(endpoint.tls_server_name);
      secure.setLazyHandshake(false);
      secure.connect(address, time_left(deadline));  // TCP connect + handshake + verification
      secure.setNoDelay(true);
      return std::unique_ptr<HttpConnection>(new HttpConnection(secure, endpoint.display));
    }
    Poco::Net::StreamSocket socket;
    socket.connect(address, time_left(deadline));
    socket.setNoDelay(true);
    return std::unique_ptr<HttpConnection>(new HttpConnection(socket, endpoint.display));
  } catch (const Poco::TimeoutException&) {
    throw_timeout("timed out connecting to " + endpoint.display);
  } catch (const Poco::Net::ConnectionRefusedException&) {
    throw CollectFailure(PE_ERROR, "connection refused by " + endpoint.display);
  } catch (const Poco::Net::SSLException& e) {
    throw CollectFailure(PE_ERROR, "TLS handshake with " + endpoint.display + " failed: " +
                                       message_of(e));
  } catch (const std::exception& e) {
    if (deadline.passed()) throw_timeout("timed out connecting to " + endpoint.display);
    throw CollectFailure(PE_ERROR, "cannot connect to " + endpoint.display + ": " + message_of(e));
  }
}

void HttpConnection::send_all(std::string_view data, const Deadline& deadline) {
  try {
    while (!data.empty()) {
      if (deadline.passed()) throw_timeout("timed out sending the request to " + display_);
      socket_.setSendTimeout(time_left(deadline));
      int n = socket_.sendBytes(data.data(), static_cast<int>(std::min<std::size_t>(data.size(), 1 << 20)));
      if (n <= 0) throw CollectFailure(PE_ERROR, "cannot send the request to " + display_);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  } catch (const CollectFailure&) {
    throw;
  } catch (const std::exception& e) {
    fail_io("sending the request to", e, deadline);
  }
}

std::size_t HttpConnection::receive(char* buffer, std::size_t size, const Deadline& deadline) {
  if (deadline.passed()) throw_timeout("timed out reading the response of " + display_);
  try {
    socket_.setReceiveTimeout(time_left(deadline));
    int n = socket_.receiveBytes(buffer, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  } catch (const Poco::Net::SSLConnectionUnexpectedlyClosedException&) {
    return 0;  // a TLS peer that closed without close_notify: framing decides if it was complete
  } catch (const std::exception& e) {
    fail_io("reading the response of", e, deadline);
  }
}

}  // namespace pe::proxy
