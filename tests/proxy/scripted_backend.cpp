// scripted_backend.cpp — the scripted TCP backend for the proxy tests.
#include "scripted_backend.hpp"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>

namespace pe::proxy::test {

std::optional<std::string> BackendConnection::read_request() {
  char buf[4096];
  for (;;) {
    std::size_t end = pending_.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::string req = pending_.substr(0, end + 4);
      pending_.erase(0, end + 4);
      on_request_(req);
      return req;
    }
    if (stopping_.load()) return std::nullopt;
    try {
      socket_.setReceiveTimeout(Poco::Timespan(0, 100'000));
      int n = socket_.receiveBytes(buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      pending_.append(buf, static_cast<std::size_t>(n));
    } catch (const Poco::TimeoutException&) {
      continue;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
}

bool BackendConnection::write(std::string_view bytes) {
  try {
    while (!bytes.empty()) {
      if (stopping_.load()) return false;
      socket_.setSendTimeout(Poco::Timespan(0, 200'000));
      int n = 0;
      try {
        n = socket_.sendBytes(bytes.data(), static_cast<int>(std::min<std::size_t>(bytes.size(), 1 << 16)));
      } catch (const Poco::TimeoutException&) {
        continue;
      }
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void BackendConnection::pause(std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!stopping_.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void BackendConnection::close() {
  try {
    socket_.close();
  } catch (...) {
  }
}

ScriptedBackend::ScriptedBackend(Script script, const std::string& address)
    : script_(std::move(script)),
      server_(Poco::Net::SocketAddress(address, 0), 64),
      host_(address.find(':') != std::string::npos ? "[" + address + "]" : address) {
  port_ = server_.address().port();
  acceptor_ = std::thread([this] { accept_loop(); });
}

ScriptedBackend::~ScriptedBackend() { stop(); }

void ScriptedBackend::stop() {
  if (stopping_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& w : workers_) w.join();
  workers_.clear();
  sockets_.clear();
  server_.close();
}

std::vector<std::string> ScriptedBackend::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void ScriptedBackend::accept_loop() {
  while (!stopping_.load()) {
    if (!server_.poll(Poco::Timespan(0, 20'000), Poco::Net::Socket::SELECT_READ)) continue;
    try {
      sockets_.push_back(std::make_unique<Poco::Net::StreamSocket>(server_.acceptConnection()));
    } catch (...) {
      continue;
    }
    ++connections_;
    Poco::Net::StreamSocket* socket = sockets_.back().get();
    workers_.emplace_back([this, socket] {
      BackendConnection c(*socket, stopping_, [this](const std::string& r) {
        std::lock_guard lock(mu_);
        requests_.push_back(r);
      });
      try {
        script_(c);
      } catch (...) {
      }
      c.close();
    });
  }
}

std::string ok_response(std::string_view body, std::string_view content_type,
                        std::string_view extra_headers) {
  std::string r = "HTTP/1.1 200 OK\r\nContent-Type: " + std::string(content_type) +
                  "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
                  std::string(extra_headers) + "\r\n";
  r += body;
  return r;
}

std::string chunked_response(std::string_view body, std::size_t chunk,
                             std::string_view extra_headers) {
  std::string r = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                  "Transfer-Encoding: chunked\r\n" + std::string(extra_headers) + "\r\n";
  char size[32];
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    std::string_view piece = body.substr(i, chunk);
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    r += size;
    r += piece;
    r += "\r\n";
  }
  r += "0\r\n\r\n";
  return r;
}

ScriptedBackend::Script serve_always(std::string response) {
  return [response = std::move(response)](BackendConnection& c) {
    while (c.read_request()) {
      if (!c.write(response)) return;
    }
  };
}

}  // namespace pe::proxy::test
