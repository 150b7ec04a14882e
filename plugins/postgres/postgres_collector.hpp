// postgres_collector.hpp — what one configured collector does on each
// collect: run the due built-in groups and custom queries on its connection
// pool within the deadline, and turn the outcome into metrics — pg_up (1
// only if a query round trip succeeded in this collect), the reason when it
// is 0, the groups' and queries' metrics, and per-query success, duration,
// rows, NULLs and dropped series.
//
// A server that is down does not fail the collect: pg_up 0 is the answer
// operators alert on, so it must reach them (a failed collect would drop it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connection_pool.hpp"
#include "plugin_config.hpp"
#include "plugin_exporter/plugin.hpp"
#include "query_result_mapper.hpp"

namespace pe::postgres {

class PostgresCollector {
 public:
  // Deadlines and durations are on `clock` (the host's: api->monotonic_ns).
  PostgresCollector(PostgresConfig config, HostLog log, pe::MonotonicClock clock);

  void collect(int64_t deadline_ns, MetricSink& sink);

 private:
  // What a custom query last produced, kept for min_interval and for logs.
  struct QueryState {
    const CustomQuery* query = nullptr;
    bool cached = false;  // `last` may be served until min_interval passes
    int64_t last_run_ns = 0;
    MappedResult last;  // output and figures of the last successful run
    double last_duration = 0;
    std::string last_error;  // of the last failed run (logged once per change)
  };

  struct QueryFigures;  // per-query figures of one collect (postgres_collector.cpp)

  // The steps of collect(): the jobs due (job_of_query: the job of each
  // custom query, -1 when its cached result is fresh), the built-in groups'
  // and the custom queries' results and figures, and the collector's own.
  std::vector<QueryJob> plan_jobs(int64_t start, std::vector<int>& job_of_query) const;
  void add_group_results(const std::vector<QueryJob>& jobs, bool up, MetricOutput& out,
                         std::vector<QueryFigures>& figures);
  void add_query_results(const std::vector<QueryJob>& jobs, const std::vector<int>& job_of_query,
                         bool up, int64_t start, MetricOutput& out,
                         std::vector<QueryFigures>& figures);
  static void add_query_figures(const std::vector<QueryFigures>& figures, MetricOutput& out);
  void add_collector_figures(MetricOutput& out) const;
  void log_state_change(bool up, const std::string& reason, const std::string& message);
  void log_job_error(std::string& last, const std::string& name, const std::string& error);

  PostgresConfig config_;
  HostLog log_;
  pe::MonotonicClock clock_;
  ConnectionPool pool_;
  std::vector<QueryState> queries_;
  std::vector<std::string> group_errors_;  // per built-in group, last logged error
  int known_up_ = -1;                      // -1 unknown, 0 down, 1 up
  std::string last_down_message_;
  double collects_total_ = 0;
  double connects_total_ = 0;
  double connect_failures_total_ = 0;
};

}  // namespace pe::postgres
