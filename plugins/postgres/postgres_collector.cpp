// postgres_collector.cpp — one collect: jobs, pool run, metrics, logs.
#include "postgres_collector.hpp"

#include <algorithm>

#include "down_reason.hpp"

namespace pe::postgres {

// Per-query figures of one collect.
struct PostgresCollector::QueryFigures {
  std::string name;
  bool custom = false;
  bool success = false;
  bool cached = false;
  double duration = 0;
  double rows = 0;
  double null_values = 0;
  double dropped_max_series = 0;
  double dropped_duplicate = 0;
};

namespace {

constexpr int64_t kMs = 1'000'000;

std::string job_error(const JobResult& r) {
  std::string out = to_string(r.status);
  if (!r.error.empty()) out += ": " + r.error;
  return out;
}

// Why pg_up is 0: the connection failure, or the first job that failed.
void add_down_reason(const PoolRunReport& report, const std::vector<QueryJob>& jobs,
                     MetricOutput& out, std::string& reason, std::string& message) {
  if (!report.connected && !report.connect_error.empty()) {
    reason = classify_connect_failure(report.connect_error, report.connect_timed_out);
    message = report.connect_error;
  } else {
    reason = "query_failed";
    for (const QueryJob& j : jobs) {
      if (j.result.status == JobResult::Status::not_applicable) continue;
      message = j.name + ": " + job_error(j.result);
      if (j.result.status == JobResult::Status::timeout) reason = "timeout";
      if (j.result.status == JobResult::Status::connection_lost) reason = "connection_lost";
      break;
    }
  }
  out.family("pg_down_reason", MetricType::gauge,
             "Why pg_up is 0 (value always 1): auth_failed, database_missing, starting_up, "
             "shutting_down, in_recovery, too_many_connections, unreachable, ssl, timeout, "
             "connection_lost, query_failed or other.")
      .add({{"reason", reason}}, 1);
}

}  // namespace

void PostgresCollector::add_query_figures(const std::vector<QueryFigures>& figures,
                                          MetricOutput& out) {
  auto per_query = [&](const char* name, const char* help, bool custom_only, auto value) {
    OutputFamily& f = out.family(name, MetricType::gauge, help);
    for (const QueryFigures& q : figures)
      if (q.custom || !custom_only) f.add({{"query", q.name}}, value(q));
  };
  per_query("pg_exporter_query_success",
            "1 if the query (or built-in group) ran and its result was used in this collect, "
            "or its result is served from its min_interval cache; else 0.",
            false, [](const QueryFigures& q) { return q.success ? 1.0 : 0.0; });
  per_query("pg_exporter_query_duration_seconds",
            "How long the query's last run took (send to last result).", false,
            [](const QueryFigures& q) { return q.duration; });
  per_query("pg_exporter_query_rows", "Rows the query's last run returned.", false,
            [](const QueryFigures& q) { return q.rows; });
  per_query("pg_exporter_query_null_values",
            "NULL values the query's last run returned, skipped (no sample).", true,
            [](const QueryFigures& q) { return q.null_values; });
  per_query("pg_exporter_query_cached",
            "1 if the query's samples come from its min_interval cache in this collect.", true,
            [](const QueryFigures& q) { return q.cached ? 1.0 : 0.0; });
  OutputFamily& dropped =
      out.family("pg_exporter_query_series_dropped", MetricType::gauge,
                 "Series the query's last run returned but that were dropped: beyond its "
                 "max_series cap, or repeating a label set of an earlier row.");
  for (const QueryFigures& q : figures) {
    if (!q.custom) continue;
    dropped.add({{"query", q.name}, {"reason", "max_series"}}, q.dropped_max_series);
    dropped.add({{"query", q.name}, {"reason", "duplicate"}}, q.dropped_duplicate);
  }
}

PostgresCollector::PostgresCollector(PostgresConfig config, HostLog log, pe::MonotonicClock clock)
    : config_(std::move(config)),
      log_(std::move(log)),
      clock_(clock),
      pool_(config_.connection, config_.pool_size, config_.prepared_statements, clock),
      group_errors_(config_.groups.size()) {
  queries_.reserve(config_.queries.size());
  for (const CustomQuery& q : config_.queries) {
    QueryState s;
    s.query = &q;
    queries_.push_back(std::move(s));
  }
}

void PostgresCollector::collect(int64_t deadline_ns, MetricSink& sink) {
  const int64_t start = clock_();
  ++collects_total_;
  // Leave the host time to take the samples before its deadline.
  const int64_t margin = std::clamp<int64_t>((deadline_ns - start) / 20, 5 * kMs, 200 * kMs);
  const int64_t run_deadline = deadline_ns - margin;

  std::vector<int> job_of_query;
  std::vector<QueryJob> jobs = plan_jobs(start, job_of_query);
  std::vector<QueryJob*> order;
  for (QueryJob& j : jobs) order.push_back(&j);

  PoolRunReport report = pool_.run(order, run_deadline, config_.connect_timeout.count());
  connects_total_ += report.connections_opened;
  connect_failures_total_ += report.connect_failures;

  bool up = std::any_of(jobs.begin(), jobs.end(),
                        [](const QueryJob& j) { return j.result.status == JobResult::Status::ok; });
  MetricOutput out;
  out.gauge("pg_up", "1 if a query round trip to the server succeeded in this collect, else 0.",
            up ? 1 : 0);
  std::string reason, message;
  if (!up) add_down_reason(report, jobs, out, reason, message);
  log_state_change(up, reason, message);

  std::vector<QueryFigures> figures;
  figures.reserve(config_.groups.size() + queries_.size());
  add_group_results(jobs, up, out, figures);
  add_query_results(jobs, job_of_query, up, start, out, figures);
  add_query_figures(figures, out);
  add_collector_figures(out);

  out.emit(sink);
  sink.stat(PE_STAT_SOURCE_UP, up ? 1 : 0,
            "1 if the collector's source answered in this collect (postgres: pg_up).");
}

std::vector<QueryJob> PostgresCollector::plan_jobs(int64_t start,
                                                   std::vector<int>& job_of_query) const {
  // The jobs of this collect: every built-in group, then the custom queries
  // whose cached result is not fresh enough.
  std::vector<QueryJob> jobs;
  jobs.reserve(config_.groups.size() + queries_.size() + 1);
  for (const BuiltinGroup* g : config_.groups)
    jobs.push_back(QueryJob{g->name,
                            [g](int version) { return g->sql_for(version); },
                            config_.query_timeout,
                            {},
                            true,
                            {},
                            0});
  job_of_query.assign(queries_.size(), -1);
  for (std::size_t i = 0; i < queries_.size(); ++i) {
    const QueryState& s = queries_[i];
    const CustomQuery* q = s.query;
    if (s.cached && start - s.last_run_ns < q->min_interval.count()) continue;
    job_of_query[i] = static_cast<int>(jobs.size());
    jobs.push_back(QueryJob{q->name,
                            [q](int) { return std::vector<std::string>{q->sql}; },
                            q->timeout,
                            q->databases,
                            false,
                            {},
                            0});
  }
  if (jobs.empty())  // pg_up needs a round trip even when everything is cached
    jobs.push_back(QueryJob{"ping",
                            [](int) { return std::vector<std::string>{"SELECT 1"}; },
                            config_.query_timeout,
                            {},
                            true,
                            {},
                            0});
  return jobs;
}

void PostgresCollector::add_group_results(const std::vector<QueryJob>& jobs, bool up,
                                          MetricOutput& out, std::vector<QueryFigures>& figures) {
  for (std::size_t gi = 0; gi < config_.groups.size(); ++gi) {
    const BuiltinGroup* g = config_.groups[gi];
    const JobResult& r = jobs[gi].result;
    QueryFigures f;
    f.name = g->name;
    f.duration = r.duration_seconds;
    std::string error;
    if (r.status == JobResult::Status::ok) {
      for (const PgResult& res : r.results) f.rows += res.row_count();
      MetricOutput group_out;  // a group that fails half-way contributes nothing
      error = g->emit(r.results, group_out);
      if (error.empty()) {
        for (const OutputFamily& fam : group_out.families()) out.merge(fam);
        f.success = true;
      }
    } else {
      error = job_error(r);
    }
    if (up) log_job_error(group_errors_[gi], std::string("built-in group ") + g->name, error);
    figures.push_back(std::move(f));
  }
}

void PostgresCollector::add_query_results(const std::vector<QueryJob>& jobs,
                                          const std::vector<int>& job_of_query, bool up,
                                          int64_t start, MetricOutput& out,
                                          std::vector<QueryFigures>& figures) {
  for (std::size_t i = 0; i < queries_.size(); ++i) {
    QueryState& s = queries_[i];
    const CustomQuery& q = *s.query;
    QueryFigures f;
    f.name = q.name;
    f.custom = true;
    if (job_of_query[i] < 0) {  // fresh in the cache
      if (up) {
        out.merge(s.last.family);
        f.success = f.cached = true;
        f.duration = s.last_duration;
        f.rows = s.last.rows;
        f.null_values = s.last.null_values;
        f.dropped_max_series = s.last.dropped_max_series;
        f.dropped_duplicate = s.last.dropped_duplicate;
      }
      figures.push_back(std::move(f));
      continue;
    }
    const JobResult& r = jobs[job_of_query[i]].result;
    if (r.status == JobResult::Status::not_applicable) continue;  // not for this database
    f.duration = r.duration_seconds;
    std::string error;
    if (r.status == JobResult::Status::ok) {
      MappedResult m = map_query_result(q, r.results.front());
      f.rows = m.rows;
      f.null_values = m.null_values;
      f.dropped_max_series = m.dropped_max_series;
      f.dropped_duplicate = m.dropped_duplicate;
      if (m.error.empty()) {
        f.success = true;
        out.merge(m.family);
        s.last = std::move(m);
        s.last_duration = r.duration_seconds;
        s.last_run_ns = start;
        s.cached = q.min_interval.count() > 0;
      } else {
        error = m.error;
      }
    } else {
      error = job_error(r);
    }
    if (!f.success) s.cached = false;
    if (up) log_job_error(s.last_error, "query " + q.name, error);
    figures.push_back(std::move(f));
  }
}

void PostgresCollector::add_collector_figures(MetricOutput& out) const {
  out.gauge("pg_exporter_connections_open", "Connections of this collector's pool open now.",
            pool_.open_connections());
  out.family("pg_exporter_collects", MetricType::counter,
             "Collects this collector ran (concurrent scrapes share one).")
      .add("pg_exporter_collects_total", {}, collects_total_);
  out.family("pg_exporter_connects", MetricType::counter,
             "Connections this collector opened to the server.")
      .add("pg_exporter_connects_total", {}, connects_total_);
  out.family("pg_exporter_connect_failures", MetricType::counter,
             "Connection attempts of this collector that failed.")
      .add("pg_exporter_connect_failures_total", {}, connect_failures_total_);
}

void PostgresCollector::log_state_change(bool up, const std::string& reason,
                                         const std::string& message) {
  if (up) {
    if (known_up_ == 0) log_.info("PostgreSQL " + config_.connection.describe() + " answers again");
    known_up_ = 1;
    last_down_message_.clear();
    return;
  }
  if (known_up_ != 0 || reason != last_down_message_)
    log_.warn("PostgreSQL " + config_.connection.describe() + " is down (" + reason +
              "): " + message);
  known_up_ = 0;
  last_down_message_ = reason;
}

void PostgresCollector::log_job_error(std::string& last, const std::string& name,
                                      const std::string& error) {
  if (error == last) return;
  if (!error.empty())
    log_.warn(name + " failed: " + error);
  else
    log_.info(name + " succeeds again");
  last = error;
}

}  // namespace pe::postgres
