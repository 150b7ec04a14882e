// connection_watchdog.hpp — bounds the time a client may take to send a
// request's headers (and body): a slow client (slowloris) has its connection
// shut down when the deadline passes, whatever the per-read socket timeout.
// One thread for all connections. ConnectionGuard ties a connection thread to
// its deadline; the router disarms it once the headers are parsed.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace pe::host {

class ConnectionWatchdog {
 public:
  ConnectionWatchdog();
  ~ConnectionWatchdog();
  ConnectionWatchdog(const ConnectionWatchdog&) = delete;
  ConnectionWatchdog& operator=(const ConnectionWatchdog&) = delete;

  // Shuts `socket` down unless disarmed within `timeout`. Returns a token.
  uint64_t arm(const Poco::Net::StreamSocket& socket, std::chrono::nanoseconds timeout);
  void disarm(uint64_t token);
  uint64_t expired_total() const noexcept { return expired_.load(); }

  // Live connections (registered by their guards), for shutdown.
  void add_connection(const Poco::Net::StreamSocket& socket);
  void remove_connection(const Poco::Net::StreamSocket& socket);
  // Shuts down every live connection's socket (at the end of the shutdown grace).
  void shutdown_all();

 private:
  void run();
  using Clock = std::chrono::steady_clock;
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, uint64_t> by_deadline_;
  struct Entry {
    Poco::Net::StreamSocket socket;
    std::multimap<Clock::time_point, uint64_t>::iterator position;
  };
  std::unordered_map<uint64_t, Entry> entries_;
  std::unordered_map<Poco::Net::SocketImpl*, Poco::Net::StreamSocket> live_;
  uint64_t next_token_ = 1;
  bool stop_ = false;
  std::atomic<uint64_t> expired_{0};
  std::thread thread_;
};

// The deadline of the connection served by this thread.
class ConnectionGuard {
 public:
  ConnectionGuard(ConnectionWatchdog& watchdog, const Poco::Net::StreamSocket& socket);
  ~ConnectionGuard();
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  void arm(std::chrono::nanoseconds timeout);
  void disarm();
  // The guard of the calling thread's connection, or null.
  static ConnectionGuard* current() noexcept;

 private:
  ConnectionWatchdog& watchdog_;
  Poco::Net::StreamSocket socket_;
  uint64_t token_ = 0;
};

}  // namespace pe::host
