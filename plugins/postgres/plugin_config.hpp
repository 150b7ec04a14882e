// plugin_config.hpp — a postgres collector's configuration: where to connect,
// the pool, time budgets, which built-in groups run, and the custom queries
// that apply to this collector (its own and those of shared query files).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "builtin_groups.hpp"
#include "connection_settings.hpp"
#include "custom_query.hpp"
#include "plugin_exporter/plugin.hpp"

namespace pe::postgres {

struct PostgresConfig {
  ConnectionSettings connection;
  int pool_size = 2;
  bool prepared_statements = true;
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(5);
  std::chrono::nanoseconds query_timeout = std::chrono::seconds(5);
  int64_t max_series = 10000;
  std::vector<const BuiltinGroup*> groups;  // in run order
  std::vector<CustomQuery> queries;         // those that apply to this collector
};

// Reads and validates everything; problems are recorded on ctx.config (the
// caller checks has_errors()). Reads query files, touches no socket.
PostgresConfig read_postgres_config(CreateContext& ctx);

}  // namespace pe::postgres
