// query_job.hpp — one unit of work for a collect: the statements of a
// built-in group or a custom query, their time budget, where they may run,
// and what came of them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pg_result.hpp"

namespace pe::postgres {

struct JobResult {
  enum class Status {
    not_run,          // not attempted (yet)
    ok,               // all statements succeeded; results holds one result each
    sql_error,        // the server refused a statement (e.g. permission denied)
    timeout,          // cancelled by the server at its budget, or no answer by the deadline
    connection_lost,  // the connection broke during the job
    skipped,          // never sent: no connection, or no time left before the deadline
    not_applicable,   // its `databases` filter excludes this server's database
  };
  Status status = Status::not_run;
  std::string error;
  std::vector<PgResult> results;
  double duration_seconds = 0;
};

const char* to_string(JobResult::Status status);

struct QueryJob {
  std::string name;
  // The SQL to run, chosen once the server version (PQserverVersion) is known.
  std::function<std::vector<std::string>(int server_version)> statements;
  std::chrono::nanoseconds timeout{};
  std::vector<std::string> databases;  // empty: any database
  // Built-in groups: quick and bounded, so several go to the server in one
  // pipeline. Custom queries may be slow and run one per pipeline, so that
  // a slow one holds up nothing queued behind it.
  bool batchable = false;
  JobResult result;
  int attempts = 0;
};

}  // namespace pe::postgres
