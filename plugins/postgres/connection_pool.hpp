// connection_pool.hpp — a collector's connections, kept across collects, and
// the loop that runs one collect's jobs on them: up to `size` connections
// work in parallel, driven by poll() from the collect thread, never past the
// collect's deadline. Connections open lazily, and a connection found broken
// (server restarted, idle session killed) is replaced and its job retried
// once in the same collect.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "connection_settings.hpp"
#include "pg_connection.hpp"
#include "query_job.hpp"

namespace pe::postgres {

struct PoolRunReport {
  bool connected = false;          // some connection was usable in this run
  std::string connect_error;       // the last connection failure, if any
  bool connect_timed_out = false;  // that failure was our deadline
  int connections_opened = 0;
  int connect_failures = 0;
};

class ConnectionPool {
 public:
  // `prepared_statements`: see PgConnection::set_prepared_statements.
  // Deadlines and times are on `clock` (the host's: api->monotonic_ns).
  ConnectionPool(ConnectionSettings settings, int size, bool prepared_statements,
                 pe::MonotonicClock clock);

  // Runs `jobs` (in order of priority) until all are done or `deadline_ns`
  // (monotonic) arrives; jobs not finished by then are timed out or skipped.
  // Connecting gives up after `connect_timeout_ns`.
  PoolRunReport run(std::span<QueryJob*> jobs, int64_t deadline_ns, int64_t connect_timeout_ns);

  int open_connections() const;
  void close_all();
  const ConnectionSettings& settings() const { return settings_; }

 private:
  ConnectionSettings settings_;
  pe::MonotonicClock clock_;
  std::vector<std::unique_ptr<PgConnection>> connections_;
};

}  // namespace pe::postgres
