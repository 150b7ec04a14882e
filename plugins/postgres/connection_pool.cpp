// connection_pool.cpp — the poll() loop that runs one collect's jobs on the
// collector's connections within the collect's deadline.
#include "connection_pool.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <deque>

namespace pe::postgres {
namespace {

constexpr int64_t kMs = 1'000'000;
// A job is not started with less time than this left.
constexpr int64_t kMinJobBudgetNs = 10 * kMs;

std::string seconds_text(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(ns) / 1e9);
  return buf;
}

// One run of the pool: the state of its poll() loop and the loop's steps.
// Lives on the collect thread for the duration of ConnectionPool::run.
class PoolRun {
 public:
  PoolRun(std::vector<std::unique_ptr<PgConnection>>& connections,
          const ConnectionSettings& settings, std::span<QueryJob*> jobs, int64_t deadline_ns,
          int64_t connect_timeout_ns, pe::MonotonicClock clock)
      : settings_(settings),
        clock_(clock),
        deadline_ns_(deadline_ns),
        connect_timeout_ns_(connect_timeout_ns),
        pending_(jobs.begin(), jobs.end()) {
    slots_.reserve(connections.size());
    for (auto& c : connections) {
      // A connection left busy by an earlier run cannot be reused.
      if (c->state() == PgConnection::State::running ||
          c->state() == PgConnection::State::connecting)
        c->close();
      Slot slot;
      slot.conn = c.get();
      slots_.push_back(std::move(slot));
    }
  }

  PoolRunReport run() {
    for (;;) {
      int64_t now = clock_();
      dispatch(now);
      open_connections(now);
      if (!collect_polled()) {
        if (idle_usable() && !pending_.empty()) continue;  // a retried job waits for dispatch
        skip_pending();
        break;
      }
      int n = wait(now);
      if (n < 0 && errno != EINTR) {
        abandon_polled();
        continue;
      }
      handle_events(n, clock_());
    }
    return report_;
  }

 private:
  struct Slot {
    PgConnection* conn;
    std::vector<QueryJob*> batch;  // the jobs of the pipeline under way, in order
    int64_t deadline = 0;          // of the pipeline or of the connect under way
    int64_t started = 0;           // when the pipeline or the connect started
    bool proven = false;           // opened or answered in this run
  };

  static void fail(QueryJob* job, JobResult::Status status, std::string error) {
    job->result.status = status;
    job->result.error = std::move(error);
    job->result.results.clear();
  }

  void connection_broke(Slot& s, QueryJob* job, std::string error) {
    // A connection kept from an earlier collect may have died in between
    // (server restart, idle timeout): retry the job once on a new one.
    if (!s.proven && job->attempts == 1) {
      pending_.push_front(job);
    } else {
      fail(job, JobResult::Status::connection_lost, std::move(error));
    }
  }

  // Dispatch units: all pending batchable jobs go as one pipeline, the others one each.
  std::size_t units_pending() const {
    std::size_t units = 0;
    bool batch = false;
    for (const QueryJob* j : pending_) {
      if (j->batchable)
        batch = true;
      else
        ++units;
    }
    return units + (batch ? 1 : 0);
  }

  // Adds `job` to the pipeline being built for `s`, unless it does not apply
  // to the connection's database or too little time is left (then it is
  // settled as not applicable or skipped).
  bool admit(Slot& s, QueryJob* job, int64_t now, std::vector<QueryJob*>& batch,
             std::vector<PipelineJob>& specs, int64_t& budget_sum) {
    if (!job->databases.empty() && std::find(job->databases.begin(), job->databases.end(),
                                             s.conn->database()) == job->databases.end()) {
      fail(job, JobResult::Status::not_applicable, {});
      return false;
    }
    int64_t budget = std::min<int64_t>(job->timeout.count(), deadline_ns_ - now);
    if (budget < kMinJobBudgetNs) {
      fail(job, JobResult::Status::skipped, "no time left before the collect deadline");
      return false;
    }
    // The server cancels a statement a little before we stop waiting.
    int64_t grace = std::clamp<int64_t>(budget / 10, 5 * kMs, 250 * kMs);
    ++job->attempts;
    batch.push_back(job);
    specs.push_back(PipelineJob{job->statements(s.conn->server_version()),
                                std::max<int64_t>(1, (budget - grace) / kMs)});
    budget_sum += budget;
    return true;
  }

  // Takes the jobs of the next pipeline for `s`: the job at the front of
  // `pending_` — and when it is batchable, every batchable job pending.
  std::vector<QueryJob*> next_batch(Slot& s, int64_t now, std::vector<PipelineJob>& specs,
                                    int64_t& budget_sum) {
    std::vector<QueryJob*> batch;
    while (batch.empty() && !pending_.empty()) {
      QueryJob* job = pending_.front();
      pending_.pop_front();
      admit(s, job, now, batch, specs, budget_sum);
    }
    if (!batch.empty() && batch.front()->batchable) {
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (!(*it)->batchable) {
          ++it;
          continue;
        }
        QueryJob* job = *it;
        it = pending_.erase(it);
        admit(s, job, now, batch, specs, budget_sum);
      }
    }
    return batch;
  }

  // Records what one job of a finished (or abandoned) pipeline came to;
  // true if the server answered it.
  bool settle_job(Slot& s, QueryJob* job, PipelineOutcome& o, int64_t now, bool abandoned) {
    using S = PipelineOutcome::Status;
    switch (o.status) {
      case S::ok:
        job->result.status = JobResult::Status::ok;
        job->result.error.clear();
        job->result.results = std::move(o.results);
        return true;
      case S::sql_error:
        fail(job, JobResult::Status::sql_error, o.error);
        return true;
      case S::statement_timeout:
        fail(job, JobResult::Status::timeout, o.error);
        return true;
      case S::connection_lost:
        if (abandoned) {
          fail(job, JobResult::Status::timeout,
               "no answer from the server within " + seconds_text(now - s.started) +
                   "; connection closed");
        } else {
          connection_broke(s, job, o.error);
        }
        return false;
    }
    return false;
  }

  // Records what a finished (or abandoned) pipeline came to.
  void settle(Slot& s, std::vector<PipelineOutcome>& outcomes, int64_t now, bool abandoned) {
    std::vector<QueryJob*> batch = std::move(s.batch);
    s.batch.clear();
    int64_t previous = s.started;
    bool answered = false;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      PipelineOutcome& o = outcomes[i];
      int64_t finished = o.finished_ns ? o.finished_ns : now;
      batch[i]->result.duration_seconds = static_cast<double>(finished - previous) / 1e9;
      previous = finished;
      answered |= settle_job(s, batch[i], o, now, abandoned);
    }
    if (answered) {
      s.proven = true;
      report_.connected = true;
    }
  }

  // Hands pending jobs to idle connections.
  void dispatch(int64_t now) {
    for (Slot& s : slots_) {
      if (s.conn->state() != PgConnection::State::idle || !s.batch.empty() || pending_.empty())
        continue;
      std::vector<PipelineJob> specs;
      int64_t budget_sum = 0;
      std::vector<QueryJob*> batch = next_batch(s, now, specs, budget_sum);
      if (batch.empty()) continue;
      std::string error;
      if (!s.conn->start_pipeline(specs, error)) {
        for (QueryJob* job : batch) connection_broke(s, job, error);
        continue;
      }
      s.batch = std::move(batch);
      s.started = now;
      s.deadline = std::min(deadline_ns_, now + budget_sum);
    }
  }

  // Opens connections for the work left, lazily, as long as none failed.
  void open_connections(int64_t now) {
    if (pending_.empty() || connect_failed_) return;
    std::size_t connecting = 0;
    for (const Slot& s : slots_) connecting += s.conn->state() == PgConnection::State::connecting;
    std::size_t units = units_pending();
    for (Slot& s : slots_) {
      if (connecting >= units) break;
      if (s.conn->state() != PgConnection::State::closed) continue;
      std::string error;
      if (!s.conn->start_connect(settings_, error)) {
        connect_failed_ = true;
        report_.connect_error = error;
        ++report_.connect_failures;
        break;
      }
      s.started = now;
      s.deadline = std::min(now + connect_timeout_ns_, deadline_ns_);
      s.proven = false;
      ++connecting;
    }
  }

  // Fills fds_/polled_ with the connections that wait for the server; false
  // if there are none.
  bool collect_polled() {
    fds_.clear();
    polled_.clear();
    next_deadline_ = deadline_ns_;
    for (Slot& s : slots_) {
      auto st = s.conn->state();
      if (st != PgConnection::State::connecting && st != PgConnection::State::running) continue;
      fds_.push_back(pollfd{s.conn->socket(), s.conn->wanted_events(), 0});
      polled_.push_back(&s);
      next_deadline_ = std::min(next_deadline_, s.deadline);
    }
    return !fds_.empty();
  }

  bool idle_usable() const {
    bool usable = false;
    for (const Slot& s : slots_) usable |= s.conn->state() == PgConnection::State::idle;
    return usable;
  }

  // Nothing can run the jobs still pending: they are skipped.
  void skip_pending() {
    for (QueryJob* job : pending_)
      fail(job, JobResult::Status::skipped,
           report_.connect_error.empty() ? "no connection to the server"
                                         : "no connection: " + report_.connect_error);
    pending_.clear();
  }

  // poll() until the next deadline (at most a minute); its result.
  int wait(int64_t now) {
    int64_t wait_ns = std::max<int64_t>(0, next_deadline_ - now);
    int timeout_ms = static_cast<int>(std::min<int64_t>((wait_ns + kMs - 1) / kMs, 60'000));
    return ::poll(fds_.data(), fds_.size(), timeout_ms);
  }

  // poll() failed: we cannot wait, so everything under way is given up.
  void abandon_polled() {
    for (Slot* s : polled_) {
      if (!s->batch.empty()) {
        PgConnection::Progress p = s->conn->abandon("cannot wait for the server");
        settle(*s, p.outcomes, clock_(), true);
      } else {
        s->conn->close();
      }
    }
  }

  // Advances a connection poll() found ready.
  void advance(Slot& s, int64_t now) {
    PgConnection::Progress p = s.conn->advance();
    switch (p.kind) {
      case PgConnection::Progress::Kind::pending:
        break;
      case PgConnection::Progress::Kind::connected:
        s.proven = true;
        report_.connected = true;
        ++report_.connections_opened;
        break;
      case PgConnection::Progress::Kind::connect_failed:
        connect_failed_ = true;
        report_.connect_error = p.error;
        report_.connect_timed_out = false;
        ++report_.connect_failures;
        break;
      case PgConnection::Progress::Kind::pipeline_done:
        settle(s, p.outcomes, now, false);
        break;
    }
  }

  // Gives up a connect or a pipeline whose deadline has passed.
  void enforce_deadline(Slot& s, int64_t now) {
    auto st = s.conn->state();
    bool active = st == PgConnection::State::connecting || st == PgConnection::State::running;
    if (!active || now < s.deadline) return;
    if (st == PgConnection::State::connecting) {
      s.conn->close();
      connect_failed_ = true;
      report_.connect_timed_out = true;
      ++report_.connect_failures;
      report_.connect_error = "no connection within " + seconds_text(now - s.started) + " (" +
                              settings_.describe() + ")";
    } else {
      PgConnection::Progress p = s.conn->abandon("no answer");
      settle(s, p.outcomes, now, true);
    }
  }

  void handle_events(int n, int64_t now) {
    for (std::size_t i = 0; i < polled_.size(); ++i) {
      Slot& s = *polled_[i];
      if (n > 0 && fds_[i].revents != 0) advance(s, now);
      enforce_deadline(s, now);
    }
  }

  const ConnectionSettings& settings_;
  const pe::MonotonicClock clock_;  // the host's: deadline_ns_ is on it
  const int64_t deadline_ns_;
  const int64_t connect_timeout_ns_;
  std::vector<Slot> slots_;
  std::deque<QueryJob*> pending_;
  PoolRunReport report_;
  bool connect_failed_ = false;
  std::vector<pollfd> fds_;
  std::vector<Slot*> polled_;
  int64_t next_deadline_ = 0;
};

}  // namespace

const char* to_string(JobResult::Status status) {
  switch (status) {
    case JobResult::Status::not_run:
      return "not run";
    case JobResult::Status::ok:
      return "ok";
    case JobResult::Status::sql_error:
      return "error";
    case JobResult::Status::timeout:
      return "timeout";
    case JobResult::Status::connection_lost:
      return "connection lost";
    case JobResult::Status::skipped:
      return "skipped";
    case JobResult::Status::not_applicable:
      return "not applicable";
  }
  return "unknown";
}

ConnectionPool::ConnectionPool(ConnectionSettings settings, int size, bool prepared_statements,
                               pe::MonotonicClock clock)
    : settings_(std::move(settings)), clock_(clock) {
  connections_.reserve(static_cast<std::size_t>(std::max(size, 1)));
  for (int i = 0; i < std::max(size, 1); ++i) {
    connections_.push_back(std::make_unique<PgConnection>(clock_));
    connections_.back()->set_prepared_statements(prepared_statements);
  }
}

int ConnectionPool::open_connections() const {
  int n = 0;
  for (const auto& c : connections_) n += c->state() != PgConnection::State::closed;
  return n;
}

void ConnectionPool::close_all() {
  for (auto& c : connections_) c->close();
}

PoolRunReport ConnectionPool::run(std::span<QueryJob*> jobs, int64_t deadline_ns,
                                  int64_t connect_timeout_ns) {
  return PoolRun(connections_, settings_, jobs, deadline_ns, connect_timeout_ns, clock_).run();
}

}  // namespace pe::postgres
