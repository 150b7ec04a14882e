// connection_watchdog.cpp — deadline thread for slow clients.
#include "http/connection_watchdog.hpp"

namespace pe::host {
namespace {
thread_local ConnectionGuard* t_current = nullptr;
}

ConnectionWatchdog::ConnectionWatchdog() : thread_(&ConnectionWatchdog::run, this) {}

ConnectionWatchdog::~ConnectionWatchdog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

uint64_t ConnectionWatchdog::arm(const Poco::Net::StreamSocket& socket,
                                 std::chrono::nanoseconds timeout) {
  std::lock_guard lock(mu_);
  uint64_t token = next_token_++;
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
  auto pos = by_deadline_.emplace(deadline, token);
  entries_.emplace(token, Entry{socket, pos});
  if (pos == by_deadline_.begin()) cv_.notify_all();
  return token;
}

void ConnectionWatchdog::disarm(uint64_t token) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(token);
  if (it == entries_.end()) return;
  by_deadline_.erase(it->second.position);
  entries_.erase(it);
}

void ConnectionWatchdog::add_connection(const Poco::Net::StreamSocket& socket) {
  std::lock_guard lock(mu_);
  live_.emplace(socket.impl(), socket);
}

void ConnectionWatchdog::remove_connection(const Poco::Net::StreamSocket& socket) {
  std::lock_guard lock(mu_);
  live_.erase(socket.impl());
}

void ConnectionWatchdog::shutdown_all() {
  std::lock_guard lock(mu_);
  for (auto& [impl, socket] : live_) {
    try {
      socket.shutdown();
    } catch (...) {
    }
  }
}

void ConnectionWatchdog::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (by_deadline_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = by_deadline_.begin();
    if (Clock::now() < first->first) {
      cv_.wait_until(lock, first->first);
      continue;
    }
    auto it = entries_.find(first->second);
    Poco::Net::StreamSocket socket = it->second.socket;
    entries_.erase(it);
    by_deadline_.erase(first);
    ++expired_;
    lock.unlock();
    try {
      socket.shutdown();  // the connection's blocked read returns; it closes
    } catch (...) {
    }
    lock.lock();
  }
}

ConnectionGuard::ConnectionGuard(ConnectionWatchdog& watchdog,
                                 const Poco::Net::StreamSocket& socket)
    : watchdog_(watchdog), socket_(socket) {
  t_current = this;
  watchdog_.add_connection(socket_);
}

ConnectionGuard::~ConnectionGuard() {
  disarm();
  watchdog_.remove_connection(socket_);
  t_current = nullptr;
}

void ConnectionGuard::arm(std::chrono::nanoseconds timeout) {
  disarm();
  token_ = watchdog_.arm(socket_, timeout);
}

void ConnectionGuard::disarm() {
  if (token_) watchdog_.disarm(token_);
  token_ = 0;
}

ConnectionGuard* ConnectionGuard::current() noexcept {
  return t_current;
}

}  // namespace pe::host
