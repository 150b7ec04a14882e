// pg_connection.hpp — one libpq connection driven without ever blocking:
// connecting and running a pipeline both advance only when poll() reports
// the socket ready, so one thread can drive a pool of connections and keep
// its own deadlines (libpq's blocking calls cannot be interrupted, and its
// connect_timeout has whole-second granularity).
//
// A job's statements go out in one write and come back in one round trip:
//   BEGIN READ ONLY; SET LOCAL statement_timeout = <ms>; <statements>;
//   ROLLBACK; Sync
// so the server itself cancels a statement that runs past its budget. After
// a failed statement the rest up to the Sync is skipped and the transaction
// is left aborted; a ROLLBACK; Sync then follows before the connection is
// idle again. Statements go through the extended protocol, which accepts
// exactly one SQL command each; with prepared statements on, each distinct
// SQL text is parsed and planned once per connection.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "connection_settings.hpp"
#include "pg_result.hpp"

namespace pe::postgres {

struct PipelineOutcome {
  enum class Status {
    ok,                 // every statement succeeded; results holds one result each
    sql_error,          // a statement failed (error, sqlstate); the connection is usable
    statement_timeout,  // the server cancelled a statement at statement_timeout
    connection_lost,    // the connection broke (error); it is closed
  };
  Status status = Status::ok;
  std::string error;
  std::string sqlstate;
  std::vector<PgResult> results;
};

class PgConnection {
 public:
  enum class State { closed, connecting, idle, running };

  // What advance() came to.
  struct Progress {
    enum class Kind { pending, connected, connect_failed, pipeline_done };
    Kind kind = Kind::pending;
    std::string error;        // connect_failed
    PipelineOutcome outcome;  // pipeline_done
  };

  PgConnection() = default;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() { close(); }

  State state() const { return state_; }

  // Starts connecting. False (and `error`) if libpq refused at once, e.g. a
  // host name that does not resolve; the connection is closed again then.
  bool start_connect(const ConnectionSettings& settings, std::string& error);

  // Sends one pipeline (state idle → running). `statement_timeout_ms` >= 1.
  // False (the connection is then closed) if libpq could not queue it.
  bool start_pipeline(const std::vector<std::string>& statements, int64_t statement_timeout_ms,
                      std::string& error);

  // Use named prepared statements (default), or unnamed ones (for poolers
  // such as PgBouncer in transaction mode, which cannot keep them).
  void set_prepared_statements(bool on) { use_prepared_ = on; }

  // The socket and the poll() events to wait for (connecting or running).
  int socket() const;
  short wanted_events() const;

  // Call after poll() reported the socket (any revents, even 0 is harmless).
  Progress advance();

  // Closes the connection (whatever it was doing); the server notices and
  // ends the session.
  void close();

  int server_version() const { return server_version_; }
  const std::string& database() const { return database_; }
  // Monotonic time the connection became usable.
  int64_t connected_at_ns() const { return connected_at_ns_; }

 private:
  enum class StepKind { setup, begin, set_timeout, prepare, statement, sync, rollback };
  struct Step {
    StepKind kind;
    int statement = -1;  // prepare, statement: index into the job's statements
  };

  Progress advance_connect();
  Progress advance_pipeline();
  Progress finish_pipeline();
  Progress lose_connection(std::string why);
  bool send(const std::string& sql);
  bool send_statement(const std::string& sql, int index);
  bool flush();

  PGconn* conn_ = nullptr;
  State state_ = State::closed;
  PostgresPollingStatusType connect_poll_ = PGRES_POLLING_WRITING;
  bool flush_pending_ = false;
  bool session_setup_done_ = false;
  int server_version_ = 0;
  std::string database_;
  int64_t connected_at_ns_ = 0;

  bool use_prepared_ = true;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text → statement name

  std::vector<Step> steps_;
  std::vector<std::string> step_sql_;  // per statement index: its SQL (to record prepares)
  std::vector<std::string> step_name_;  // per statement index: the prepared name, if any
  std::size_t step_ = 0;
  bool awaiting_end_ = false;  // the current command's result came; its NULL terminator not yet
  bool rolling_back_ = false;  // the ROLLBACK after a failed statement is under way
  PipelineOutcome outcome_;
};

}  // namespace pe::postgres
