// pg_connection.hpp — one libpq connection driven without ever blocking:
// connecting and running a pipeline both advance only when poll() reports
// the socket ready, so one thread can drive a pool of connections and keep
// its own deadlines (libpq's blocking calls cannot be interrupted, and its
// connect_timeout has whole-second granularity).
//
// A pipeline carries one or more jobs and costs one round trip. Each job is
// a segment of its own:
//   [ROLLBACK;] BEGIN READ ONLY; SET LOCAL statement_timeout = <ms>;
//   <statements>; ROLLBACK; Sync
// so the server itself cancels a statement that runs past its budget. After
// a failed statement the rest of its segment is skipped and the transaction
// left aborted: the leading ROLLBACK of the next segment (sent for every
// segment but the first) ends it, and after a failure in the last segment a
// ROLLBACK; Sync follows before the connection is idle again. Statements go
// through the extended protocol, which accepts exactly one SQL command each;
// with prepared statements on, each distinct SQL text is parsed and planned
// once per connection.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "connection_settings.hpp"
#include "pg_result.hpp"
#include "plugin_exporter/host_clock.hpp"

namespace pe::postgres {

// One job of a pipeline: its statements and the server-side budget of each.
struct PipelineJob {
  std::vector<std::string> statements;
  int64_t statement_timeout_ms = 1;  // >= 1
};

struct PipelineOutcome {
  enum class Status {
    ok,                 // every statement succeeded; results holds one result each
    sql_error,          // a statement failed (error, sqlstate); the connection is usable
    statement_timeout,  // the server cancelled a statement (statement_timeout, SQLSTATE 57014)
    connection_lost,    // the connection broke before the job finished (error); it is closed
  };
  Status status = Status::ok;
  std::string error;
  std::string sqlstate;
  std::vector<PgResult> results;
  int64_t finished_ns = 0;  // monotonic time its last reply arrived (0 if it did not)
};

class PgConnection {
 public:
  enum class State { closed, connecting, idle, running };

  // What advance() came to.
  struct Progress {
    enum class Kind { pending, connected, connect_failed, pipeline_done };
    Kind kind = Kind::pending;
    std::string error;                      // connect_failed
    std::vector<PipelineOutcome> outcomes;  // pipeline_done: one per job, in order
  };

  // Times (a pipeline step's finish) are read on `clock` (the host's).
  explicit PgConnection(pe::MonotonicClock clock) : clock_(clock) {}
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() { close(); }

  State state() const { return state_; }

  // Starts connecting. False (and `error`) if libpq refused at once, e.g. a
  // host name that does not resolve; the connection is closed again then.
  bool start_connect(const ConnectionSettings& settings, std::string& error);

  // Sends one pipeline of jobs (state idle → running). False (the connection
  // is then closed) if libpq could not queue it.
  bool start_pipeline(const std::vector<PipelineJob>& jobs, std::string& error);

  // Use named prepared statements (default), or unnamed ones (for poolers
  // such as PgBouncer in transaction mode, which cannot keep them).
  void set_prepared_statements(bool on) { use_prepared_ = on; }

  // The socket and the poll() events to wait for (connecting or running).
  int socket() const;
  short wanted_events() const;

  // Call after poll() reported the socket ready (revents != 0).
  Progress advance();

  // Gives up a running pipeline: closes the connection and returns the
  // outcomes, with `why` as the connection_lost error of unfinished jobs.
  Progress abandon(const std::string& why) { return lose_connection(why); }

  // Closes the connection (whatever it was doing); the server notices and
  // ends the session.
  void close();

  int server_version() const { return server_version_; }
  const std::string& database() const { return database_; }

 private:
  enum class StepKind { setup, reset, begin, set_timeout, prepare, statement, rollback, sync };
  struct Step {
    StepKind kind;
    int job = -1;        // the job the step belongs to (-1: setup, final cleanup)
    int statement = -1;  // prepare, statement: index into the job's statements
  };

  Progress advance_connect();
  Progress advance_pipeline();
  Progress finish_pipeline();
  Progress lose_connection(std::string why);
  static void settle(PipelineOutcome& outcome);
  bool send(const std::string& sql);
  bool send_statement(int job, int index);
  bool flush();

  PGconn* conn_ = nullptr;
  pe::MonotonicClock clock_;
  State state_ = State::closed;
  PostgresPollingStatusType connect_poll_ = PGRES_POLLING_WRITING;
  bool flush_pending_ = false;
  bool session_setup_done_ = false;
  int server_version_ = 0;
  std::string database_;

  bool use_prepared_ = true;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text → statement name

  std::vector<PipelineJob> jobs_;
  std::vector<std::vector<std::string>> new_names_;  // per job, statement: name being prepared
  std::vector<Step> steps_;
  std::size_t step_ = 0;
  bool awaiting_end_ = false;  // the current command's result came; its NULL terminator not yet
  bool cleaning_up_ = false;   // the ROLLBACK after a failed last job is under way
  std::vector<PipelineOutcome> outcomes_;
};

}  // namespace pe::postgres
