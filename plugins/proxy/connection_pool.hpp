// connection_pool.hpp — kept-alive connections to one backend, reused across
// scrapes. Collects of different forwarded parameters may run at the same
// time (PE_CAP_CONCURRENT_COLLECT), so each takes its own connection; at most
// `max_idle` wait here between scrapes, and one idle longer than `max_idle_ns`
// (the backend may have closed it) is dropped instead of reused. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "http_connection.hpp"
#include "plugin_exporter/host_clock.hpp"

namespace pe::proxy {

class ConnectionPool {
 public:
  // Idle ages are measured on `clock` (the host's: api->monotonic_ns).
  ConnectionPool(std::size_t max_idle, int64_t max_idle_ns, pe::MonotonicClock clock)
      : max_idle_(max_idle), max_idle_ns_(max_idle_ns), clock_(clock) {}

  // The most recently used idle connection, or null.
  std::unique_ptr<HttpConnection> take();
  // Keeps a connection that may carry another request (or closes it).
  void give_back(std::unique_ptr<HttpConnection> connection);
  std::size_t idle() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<HttpConnection>> idle_;  // oldest first
  std::size_t max_idle_;
  int64_t max_idle_ns_;
  pe::MonotonicClock clock_;
};

}  // namespace pe::proxy
