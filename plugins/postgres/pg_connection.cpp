// pg_connection.cpp — non-blocking connect and pipelined read-only jobs over
// libpq (see pg_connection.hpp for the protocol).
#include "pg_connection.hpp"

#include <poll.h>

#include <algorithm>

namespace pe::postgres {
namespace {

void ignore_notice(void*, const char*) {}

// libpq's messages as one line: "...failed: Connection refused\n\tIs the
// server running...?\n" becomes "...failed: Connection refused Is the ...?".
std::string trimmed(const char* s) {
  std::string out;
  bool space = false;
  for (const char* p = s ? s : ""; *p; ++p) {
    bool blank = *p == '\n' || *p == '\t' || *p == '\r' || *p == ' ';
    if (blank) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(*p);
  }
  return out;
}

std::string result_error(const PGresult* r) {
  const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  const char* severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (!primary) return trimmed(PQresultErrorMessage(r));
  std::string out = severity ? std::string(severity) + ": " : std::string();
  out += primary;
  return out;
}

// Sessions opened on servers that know it (14+) ask the server to notice a
// vanished client during a long statement, so a connection we close at a
// deadline ends its statement even before statement_timeout.
constexpr int kClientCheckIntervalServerVersion = 140000;
const char* const kSessionSetup = "SET client_connection_check_interval = 1000";

}  // namespace

bool PgConnection::start_connect(const ConnectionSettings& settings, std::string& error) {
  close();
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : settings.parameters) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectStartParams(keys.data(), values.data(), 0);
  if (!conn_) {
    error = "out of memory starting a connection";
    return false;
  }
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
  if (PQstatus(conn_) == CONNECTION_BAD) {
    error = trimmed(PQerrorMessage(conn_));
    close();
    return false;
  }
  state_ = State::connecting;
  connect_poll_ = PGRES_POLLING_WRITING;
  return true;
}

int PgConnection::socket() const {
  return conn_ ? PQsocket(conn_) : -1;
}

short PgConnection::wanted_events() const {
  if (state_ == State::connecting) return connect_poll_ == PGRES_POLLING_READING ? POLLIN : POLLOUT;
  if (state_ == State::running) return static_cast<short>(POLLIN | (flush_pending_ ? POLLOUT : 0));
  return 0;
}

PgConnection::Progress PgConnection::advance() {
  if (state_ == State::connecting) return advance_connect();
  if (state_ == State::running) return advance_pipeline();
  return {};
}

PgConnection::Progress PgConnection::advance_connect() {
  Progress p;
  connect_poll_ = PQconnectPoll(conn_);
  if (connect_poll_ == PGRES_POLLING_FAILED) {
    p.kind = Progress::Kind::connect_failed;
    p.error = trimmed(PQerrorMessage(conn_));
    close();
    return p;
  }
  if (connect_poll_ != PGRES_POLLING_OK) return p;
  if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) {
    p.kind = Progress::Kind::connect_failed;
    p.error = "cannot switch the connection to pipeline mode: " + trimmed(PQerrorMessage(conn_));
    close();
    return p;
  }
  state_ = State::idle;
  server_version_ = PQserverVersion(conn_);
  database_ = PQdb(conn_) ? PQdb(conn_) : "";
  session_setup_done_ = false;
  p.kind = Progress::Kind::connected;
  return p;
}

bool PgConnection::send(const std::string& sql) {
  return PQsendQueryParams(conn_, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
}

bool PgConnection::send_statement(int job, int index) {
  const std::string& sql = jobs_[job].statements[index];
  if (!use_prepared_) {
    steps_.push_back({StepKind::statement, job, index});
    return send(sql);
  }
  std::string name;
  if (auto it = prepared_.find(sql); it != prepared_.end()) {
    name = it->second;
  } else {
    name = "pe_" + std::to_string(prepared_.size()) + "_" + std::to_string(job) + "_" +
           std::to_string(index);
    new_names_[job][index] = name;
    steps_.push_back({StepKind::prepare, job, index});
    if (PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr) != 1) return false;
  }
  steps_.push_back({StepKind::statement, job, index});
  return PQsendQueryPrepared(conn_, name.c_str(), 0, nullptr, nullptr, nullptr, 0) == 1;
}

bool PgConnection::flush() {
  int flushed = PQflush(conn_);
  flush_pending_ = flushed == 1;
  return flushed >= 0;
}

bool PgConnection::start_pipeline(const std::vector<PipelineJob>& jobs, std::string& error) {
  jobs_ = jobs;
  steps_.clear();
  step_ = 0;
  awaiting_end_ = false;
  cleaning_up_ = false;
  outcomes_.clear();
  outcomes_.resize(jobs.size());
  new_names_.clear();
  for (const PipelineJob& j : jobs) {
    new_names_.emplace_back(j.statements.size());
  }

  bool ok = true;
  if (!session_setup_done_ && server_version_ >= kClientCheckIntervalServerVersion) {
    // Its own segment: should it fail, the jobs still run.
    steps_.push_back({StepKind::setup});
    steps_.push_back({StepKind::sync});
    ok = send(kSessionSetup) && PQpipelineSync(conn_) == 1;
    session_setup_done_ = true;
  }
  for (std::size_t j = 0; j < jobs.size() && ok; ++j) {
    int job = static_cast<int>(j);
    outcomes_[j].results.resize(jobs[j].statements.size());
    if (j > 0) {  // ends the previous job's transaction if it failed (else a no-op)
      steps_.push_back({StepKind::reset, job});
      ok = ok && send("ROLLBACK");
    }
    steps_.push_back({StepKind::begin, job});
    ok = ok && send("BEGIN READ ONLY");
    steps_.push_back({StepKind::set_timeout, job});
    ok = ok && send("SET LOCAL statement_timeout = " +
                    std::to_string(std::max<int64_t>(1, jobs[j].statement_timeout_ms)));
    for (std::size_t i = 0; i < jobs[j].statements.size() && ok; ++i)
      ok = send_statement(job, static_cast<int>(i));
    steps_.push_back({StepKind::rollback, job});
    ok = ok && send("ROLLBACK");
    steps_.push_back({StepKind::sync, job});
    ok = ok && PQpipelineSync(conn_) == 1;
  }
  if (!ok || !flush()) {
    error = "cannot send the query: " + trimmed(PQerrorMessage(conn_));
    close();
    return false;
  }
  state_ = State::running;
  return true;
}

PgConnection::Progress PgConnection::lose_connection(std::string why) {
  Progress p;
  p.kind = Progress::Kind::pipeline_done;
  if (why.empty()) why = "the connection to the server was lost";
  for (PipelineOutcome& o : outcomes_) {
    if (o.finished_ns != 0) {
      settle(o);
      continue;
    }
    o.status = PipelineOutcome::Status::connection_lost;
    o.error = why;
    o.results.clear();
  }
  p.outcomes = std::move(outcomes_);
  outcomes_.clear();
  close();
  return p;
}

PgConnection::Progress PgConnection::advance_pipeline() {
  if (flush_pending_ && !flush()) return lose_connection(trimmed(PQerrorMessage(conn_)));
  if (PQconsumeInput(conn_) != 1) return lose_connection(trimmed(PQerrorMessage(conn_)));
  while (step_ < steps_.size()) {
    if (PQisBusy(conn_)) return {};
    PGresult* raw = PQgetResult(conn_);
    const Step step = steps_[step_];
    if (step.kind == StepKind::sync) {
      PgResult r(raw);
      if (!raw || PQresultStatus(raw) != PGRES_PIPELINE_SYNC) {
        if (PQstatus(conn_) == CONNECTION_BAD)
          return lose_connection(r ? result_error(raw) : trimmed(PQerrorMessage(conn_)));
        return lose_connection("unexpected reply from the server where a pipeline sync was due");
      }
      if (step.job >= 0 && outcomes_[step.job].finished_ns == 0)
        outcomes_[step.job].finished_ns = clock_();
      ++step_;
      continue;
    }
    if (awaiting_end_) {
      if (raw) {  // a second result for one command (e.g. COPY): not something we run
        PQclear(raw);
        return lose_connection(
            "a statement returned more than one result; only plain queries "
            "are supported");
      }
      awaiting_end_ = false;
      ++step_;
      continue;
    }
    if (!raw) {
      if (PQstatus(conn_) == CONNECTION_BAD) return lose_connection(trimmed(PQerrorMessage(conn_)));
      return lose_connection("the server sent no result for a queued command");
    }
    PgResult r(raw);
    awaiting_end_ = true;
    PipelineOutcome* outcome = step.job >= 0 ? &outcomes_[step.job] : nullptr;
    switch (PQresultStatus(raw)) {
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
        if (step.kind == StepKind::statement) outcome->results[step.statement] = std::move(r);
        if (step.kind == StepKind::prepare)
          prepared_.emplace(jobs_[step.job].statements[step.statement],
                            new_names_[step.job][step.statement]);
        break;
      case PGRES_PIPELINE_ABORTED:
        break;
      case PGRES_FATAL_ERROR:
      case PGRES_NONFATAL_ERROR:
      case PGRES_BAD_RESPONSE:
        if (PQstatus(conn_) == CONNECTION_BAD) return lose_connection(result_error(raw));
        if (outcome && step.kind != StepKind::reset && step.kind != StepKind::rollback &&
            outcome->error.empty()) {
          outcome->error = result_error(raw);
          const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
          outcome->sqlstate = state ? state : "";
        }
        break;
      case PGRES_EMPTY_QUERY:
        if (outcome && outcome->error.empty()) outcome->error = "the query is empty";
        break;
      default:
        return lose_connection(std::string("unexpected result status ") +
                               PQresStatus(PQresultStatus(raw)) +
                               "; only plain queries are supported");
    }
  }
  if (!cleaning_up_ && !outcomes_.empty() && !outcomes_.back().error.empty() &&
      PQtransactionStatus(conn_) == PQTRANS_INERROR) {
    // The last job failed, so its ROLLBACK before the Sync was skipped.
    cleaning_up_ = true;
    steps_.push_back({StepKind::rollback});
    steps_.push_back({StepKind::sync});
    if (!send("ROLLBACK") || PQpipelineSync(conn_) != 1 || !flush())
      return lose_connection(trimmed(PQerrorMessage(conn_)));
    return {};
  }
  return finish_pipeline();
}

PgConnection::Progress PgConnection::finish_pipeline() {
  Progress p;
  p.kind = Progress::Kind::pipeline_done;
  state_ = State::idle;
  for (PipelineOutcome& o : outcomes_) settle(o);
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    // Cannot happen after ROLLBACK + Sync; never reuse a session in doubt.
    close();
  }
  p.outcomes = std::move(outcomes_);
  outcomes_.clear();
  return p;
}

void PgConnection::settle(PipelineOutcome& o) {
  if (o.error.empty()) return;
  o.status = o.sqlstate == "57014" ? PipelineOutcome::Status::statement_timeout
                                   : PipelineOutcome::Status::sql_error;
  o.results.clear();
}

void PgConnection::close() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  prepared_.clear();  // prepared statements live and die with the session
  state_ = State::closed;
  flush_pending_ = false;
  steps_.clear();
  step_ = 0;
  awaiting_end_ = false;
}

}  // namespace pe::postgres
