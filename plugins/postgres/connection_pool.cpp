// connection_pool.cpp — the poll() loop that runs one collect's jobs on the
// collector's connections within the collect's deadline.
#include "connection_pool.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <deque>

#include "monotonic_clock.hpp"

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

ConnectionPool::ConnectionPool(ConnectionSettings settings, int size, bool prepared_statements)
    : settings_(std::move(settings)) {
  connections_.reserve(static_cast<std::size_t>(std::max(size, 1)));
  for (int i = 0; i < std::max(size, 1); ++i) {
    connections_.push_back(std::make_unique<PgConnection>());
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
  struct Slot {
    PgConnection* conn;
    std::vector<QueryJob*> batch;  // the jobs of the pipeline under way, in order
    int64_t deadline = 0;          // of the pipeline or of the connect under way
    int64_t started = 0;           // when the pipeline or the connect started
    bool proven = false;           // opened or answered in this run
  };
  std::vector<Slot> slots;
  slots.reserve(connections_.size());
  for (auto& c : connections_) {
    // A connection left busy by an earlier run cannot be reused.
    if (c->state() == PgConnection::State::running || c->state() == PgConnection::State::connecting)
      c->close();
    Slot slot;
    slot.conn = c.get();
    slots.push_back(std::move(slot));
  }

  std::deque<QueryJob*> pending(jobs.begin(), jobs.end());
  PoolRunReport report;
  bool connect_failed = false;

  auto fail = [](QueryJob* job, JobResult::Status status, std::string error) {
    job->result.status = status;
    job->result.error = std::move(error);
    job->result.results.clear();
  };
  auto connection_broke = [&](Slot& s, QueryJob* job, std::string error) {
    // A connection kept from an earlier collect may have died in between
    // (server restart, idle timeout): retry the job once on a new one.
    if (!s.proven && job->attempts == 1) {
      pending.push_front(job);
    } else {
      fail(job, JobResult::Status::connection_lost, std::move(error));
    }
  };
  // Dispatch units: all pending batchable jobs go as one pipeline, the others one each.
  auto units_pending = [&] {
    std::size_t units = 0;
    bool batch = false;
    for (const QueryJob* j : pending) {
      if (j->batchable)
        batch = true;
      else
        ++units;
    }
    return units + (batch ? 1 : 0);
  };
  // Takes the jobs of the next pipeline for `s`: the job at the front of
  // `pending` — and when it is batchable, every batchable job pending.
  auto next_batch = [&](Slot& s, int64_t now, std::vector<PipelineJob>& specs,
                        int64_t& budget_sum) {
    std::vector<QueryJob*> batch;
    auto admit = [&](QueryJob* job) {
      if (!job->databases.empty() && std::find(job->databases.begin(), job->databases.end(),
                                               s.conn->database()) == job->databases.end()) {
        fail(job, JobResult::Status::not_applicable, {});
        return false;
      }
      int64_t budget = std::min<int64_t>(job->timeout.count(), deadline_ns - now);
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
    };
    while (batch.empty() && !pending.empty()) {
      QueryJob* job = pending.front();
      pending.pop_front();
      admit(job);
    }
    if (!batch.empty() && batch.front()->batchable) {
      for (auto it = pending.begin(); it != pending.end();) {
        if (!(*it)->batchable) {
          ++it;
          continue;
        }
        QueryJob* job = *it;
        it = pending.erase(it);
        admit(job);
      }
    }
    return batch;
  };
  // Records what a finished (or abandoned) pipeline came to.
  auto settle = [&](Slot& s, std::vector<PipelineOutcome>& outcomes, int64_t now, bool abandoned) {
    std::vector<QueryJob*> batch = std::move(s.batch);
    s.batch.clear();
    int64_t previous = s.started;
    bool answered = false;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      QueryJob* job = batch[i];
      PipelineOutcome& o = outcomes[i];
      int64_t finished = o.finished_ns ? o.finished_ns : now;
      job->result.duration_seconds = static_cast<double>(finished - previous) / 1e9;
      previous = finished;
      using S = PipelineOutcome::Status;
      switch (o.status) {
        case S::ok:
          job->result.status = JobResult::Status::ok;
          job->result.error.clear();
          job->result.results = std::move(o.results);
          answered = true;
          break;
        case S::sql_error:
          fail(job, JobResult::Status::sql_error, o.error);
          answered = true;
          break;
        case S::statement_timeout:
          fail(job, JobResult::Status::timeout, o.error);
          answered = true;
          break;
        case S::connection_lost:
          if (abandoned) {
            fail(job, JobResult::Status::timeout,
                 "no answer from the server within " + seconds_text(now - s.started) +
                     "; connection closed");
          } else {
            connection_broke(s, job, o.error);
          }
          break;
      }
    }
    if (answered) {
      s.proven = true;
      report.connected = true;
    }
  };

  std::vector<pollfd> fds;
  std::vector<Slot*> polled;
  for (;;) {
    int64_t now = monotonic_ns();

    // Hand pending jobs to idle connections.
    for (Slot& s : slots) {
      if (s.conn->state() != PgConnection::State::idle || !s.batch.empty() || pending.empty())
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
      s.deadline = std::min(deadline_ns, now + budget_sum);
    }

    // Open connections for the work left, lazily, as long as none failed.
    if (!pending.empty() && !connect_failed) {
      std::size_t connecting = 0;
      for (const Slot& s : slots) connecting += s.conn->state() == PgConnection::State::connecting;
      std::size_t units = units_pending();
      for (Slot& s : slots) {
        if (connecting >= units) break;
        if (s.conn->state() != PgConnection::State::closed) continue;
        std::string error;
        if (!s.conn->start_connect(settings_, error)) {
          connect_failed = true;
          report.connect_error = error;
          ++report.connect_failures;
          break;
        }
        s.started = now;
        s.deadline = std::min(now + connect_timeout_ns, deadline_ns);
        s.proven = false;
        ++connecting;
      }
    }

    fds.clear();
    polled.clear();
    int64_t next_deadline = deadline_ns;
    for (Slot& s : slots) {
      auto st = s.conn->state();
      if (st != PgConnection::State::connecting && st != PgConnection::State::running) continue;
      fds.push_back(pollfd{s.conn->socket(), s.conn->wanted_events(), 0});
      polled.push_back(&s);
      next_deadline = std::min(next_deadline, s.deadline);
    }
    if (fds.empty()) {
      bool idle_usable = false;
      for (const Slot& s : slots) idle_usable |= s.conn->state() == PgConnection::State::idle;
      if (idle_usable && !pending.empty()) continue;  // a retried job waits for dispatch
      for (QueryJob* job : pending)
        fail(job, JobResult::Status::skipped,
             report.connect_error.empty() ? "no connection to the server"
                                          : "no connection: " + report.connect_error);
      pending.clear();
      break;
    }

    int64_t wait_ns = std::max<int64_t>(0, next_deadline - now);
    int timeout_ms = static_cast<int>(std::min<int64_t>((wait_ns + kMs - 1) / kMs, 60'000));
    int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0 && errno != EINTR) {
      for (Slot* s : polled) {  // cannot wait: give everything up
        if (!s->batch.empty()) {
          PgConnection::Progress p = s->conn->abandon("cannot wait for the server");
          settle(*s, p.outcomes, monotonic_ns(), true);
        } else {
          s->conn->close();
        }
      }
      continue;
    }
    now = monotonic_ns();

    for (std::size_t i = 0; i < polled.size(); ++i) {
      Slot& s = *polled[i];
      if (n > 0 && fds[i].revents != 0) {
        PgConnection::Progress p = s.conn->advance();
        switch (p.kind) {
          case PgConnection::Progress::Kind::pending:
            break;
          case PgConnection::Progress::Kind::connected:
            s.proven = true;
            report.connected = true;
            ++report.connections_opened;
            break;
          case PgConnection::Progress::Kind::connect_failed:
            connect_failed = true;
            report.connect_error = p.error;
            report.connect_timed_out = false;
            ++report.connect_failures;
            break;
          case PgConnection::Progress::Kind::pipeline_done:
            settle(s, p.outcomes, now, false);
            break;
        }
      }
      auto st = s.conn->state();
      bool active = st == PgConnection::State::connecting || st == PgConnection::State::running;
      if (active && now >= s.deadline) {
        if (st == PgConnection::State::connecting) {
          s.conn->close();
          connect_failed = true;
          report.connect_timed_out = true;
          ++report.connect_failures;
          report.connect_error = "no connection within " + seconds_text(now - s.started) + " (" +
                                 settings_.describe() + ")";
        } else {
          PgConnection::Progress p = s.conn->abandon("no answer");
          settle(s, p.outcomes, now, true);
        }
      }
    }
  }
  return report;
}

}  // namespace pe::postgres
