// script_collector.cpp — the collect path of a script collector and the
// classification of a run into what collects serve.
#include "script_collector.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>

#include "plugin_exporter/exposition/utf8.hpp"

namespace pe::script {
namespace {

constexpr std::size_t kKeptStderrBytes = 4096;
constexpr std::size_t kMaxCachedParameterSets = 64;
// Output kept by the cache: at least this much, or two runs' worth at the limit.
constexpr std::size_t kMinCachedBytes = 64u << 20;
// Unknown or refused scrape parameters: at most one log message per minute each.
constexpr int64_t kRequestLogIntervalNs = 60'000'000'000;
constexpr int64_t kMinRunNs = 1'000'000;  // less time than this left: do not start

std::string seconds_text(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e9);
  return buf;
}

// stderr as it may appear in a log field: valid UTF-8, trailing newline cut.
std::string printable_stderr(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (!pe::is_valid_utf8(text))
    for (char& c : text)
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
  return text;
}

RunEnd run_end_of(const RunResult& r) {
  switch (r.end) {
    case RunResult::End::exited:
      return r.exit_code == 0 ? RunEnd::ok : RunEnd::exit_error;
    case RunResult::End::signaled:
      return RunEnd::signaled;
    case RunResult::End::timed_out:
      return RunEnd::timeout;
    case RunResult::End::output_limit:
      return RunEnd::output_limit;
    case RunResult::End::cancelled:
      return RunEnd::cancelled;
    case RunResult::End::spawn_failed:
      return RunEnd::spawn_error;
  }
  return RunEnd::spawn_error;
}

}  // namespace

ScriptCollector::ScriptCollector(pe::CreateContext& ctx)
    : api_(ctx.api),
      log_(ctx.log),
      name_(ctx.collector_name),
      config_(read_script_config(ctx.config, ctx.check_only)),
      coalescer_(ctx.api->monotonic_ns),
      run_log_throttle_(config_.stderr_log_interval_ns),
      unknown_log_throttle_(kRequestLogIntervalNs),
      bad_parameter_log_throttle_(kRequestLogIntervalNs) {
  if (ctx.config.has_errors()) return;  // the adapter discards this instance
  if (config_.mode == RunMode::cached)
    cache_ = std::make_unique<ResultCache>(config_.min_interval_ns, kMaxCachedParameterSets,
                                           std::max(kMinCachedBytes, 2 * config_.max_output_bytes));
  if (ctx.check_only) return;  // no thread, no shared state

  cap_registration_.emplace(RunningProgramCap::process(), config_.max_running_programs);
  if (::geteuid() == 0 && !config_.run_as)
    log_.warn("the program runs as root; set user = \"...\" to run it unprivileged");
  if (config_.mode == RunMode::background) {
    background_ = std::make_unique<BackgroundRunner>(
        [this](int cancel_fd) -> SharedOutcome {
          SharedOutcome o = run_once(ResolvedParameters{}, INT64_MAX, cancel_fd);
          return o->ran ? o : nullptr;  // refused: keep serving the previous result
        },
        config_.interval_ns, api_->monotonic_ns);
    background_->start();
  }
}

ScriptCollector::~ScriptCollector() {
  background_.reset();
}

pe_status ScriptCollector::collect(const pe::CollectRequest& request, pe::MetricSink& sink) {
  const int64_t started = api_->monotonic_ns();
  ResolvedParameters params;
  try {
    params = config_.parameters.resolve(request.params);
  } catch (const BadParameter& e) {
    counters_.refused(Refusal::bad_parameter);
    uint64_t suppressed = 0;
    if (bad_parameter_log_throttle_.allow(started, suppressed))
      log_.warn(
          std::string("scrape refused (HTTP 400): ") + e.what() +
          (suppressed ? " [" + std::to_string(suppressed) + " similar refusals suppressed]" : ""));
    throw pe::CollectFailure(PE_BAD_REQUEST, e.what());
  }
  report_unknown(params);

  SharedOutcome outcome;
  const int64_t deadline = request.deadline_monotonic_ns;
  switch (config_.mode) {
    case RunMode::background:
      outcome = background_ ? background_->latest(deadline) : nullptr;
      if (!outcome)
        throw pe::CollectFailure(PE_UNAVAILABLE,
                                 "no result yet: the first background run has not finished");
      break;
    case RunMode::cached:
      outcome = cache_->fresh(params.key, started);
      if (!outcome) {
        outcome = coalescer_
                      .run(params.key, deadline,
                           [&]() -> SharedOutcome {
                             // Another collect may have refreshed it meanwhile.
                             if (auto hit = cache_->fresh(params.key, api_->monotonic_ns()))
                               return hit;
                             SharedOutcome o = run_once(params, deadline, -1);
                             cache_->store(params.key, o);
                             return o;
                           })
                      .outcome;
      }
      break;
    case RunMode::on_scrape:
      outcome = coalescer_.run(params.key, deadline, [&] { return run_once(params, deadline, -1); })
                    .outcome;
      break;
  }
  if (!outcome)
    throw pe::CollectFailure(PE_TIMEOUT,
                             "the program run started by a concurrent scrape with the same "
                             "parameters did not finish before this scrape's deadline");
  return serve(*outcome, started, sink);
}

SharedOutcome ScriptCollector::refuse(Refusal why, pe_status status, std::string reason) {
  counters_.refused(why);
  auto o = std::make_shared<RunOutcome>();
  o->status = status;
  o->reason = std::move(reason);
  o->started_ns = o->finished_ns = api_->monotonic_ns();
  return o;
}

SharedOutcome ScriptCollector::run_once(const ResolvedParameters& params, int64_t deadline_ns,
                                        int cancel_fd) {
  const int64_t now = api_->monotonic_ns();
  int64_t terminate_at = now + config_.timeout_ns;
  int64_t grace = config_.kill_grace_ns;
  if (deadline_ns != INT64_MAX) {
    // The whole kill sequence fits before the scrape's deadline: SIGTERM
    // comes a grace period early (at most a quarter of the time left).
    grace = std::min(grace, (deadline_ns - now) / 4);
    terminate_at = std::min(terminate_at, deadline_ns - grace);
  }
  if (terminate_at - now < kMinRunNs)
    return refuse(Refusal::deadline, PE_TIMEOUT,
                  "no time left before the scrape's deadline to start the program");

  auto slot = RunningProgramCap::process().try_acquire();
  if (!slot) {
    const int limit = RunningProgramCap::process().limit();
    std::string reason = "not started: " + std::to_string(limit) +
                         " programs of script collectors are already running (the smallest "
                         "max_running_programs of all script collectors is " +
                         std::to_string(limit) + ")";
    uint64_t suppressed = 0;
    if (run_log_throttle_.allow(now, suppressed)) log_.warn(reason);
    return refuse(Refusal::concurrency_limit, PE_UNAVAILABLE, std::move(reason));
  }

  ProgramSpec spec;
  spec.argv = config_.command;
  spec.argv.insert(spec.argv.end(), params.arguments.begin(), params.arguments.end());
  spec.env = config_.environment;
  spec.env.insert(spec.env.end(), params.environment.begin(), params.environment.end());
  const int64_t budget = terminate_at - now;
  const int64_t deadline_unix_ms = api_->realtime_ms() + budget / 1'000'000;
  char deadline_text[48];
  std::snprintf(deadline_text, sizeof deadline_text, "%lld.%03lld",
                static_cast<long long>(deadline_unix_ms / 1000),
                static_cast<long long>(deadline_unix_ms % 1000));
  spec.env.push_back(std::string(kTimeoutVariable) + "=" + seconds_text(budget));
  spec.env.push_back(std::string(kDeadlineVariable) + "=" + deadline_text);
  spec.working_directory = config_.working_directory;
  spec.run_as = config_.run_as;

  RunLimits limits;
  limits.terminate_at_ns = terminate_at;
  limits.kill_grace_ns = grace;
  limits.max_stdout_bytes = config_.max_output_bytes;
  limits.max_stderr_bytes = kKeptStderrBytes;
  limits.cancel_fd = cancel_fd;
  limits.clock = api_->monotonic_ns;
  RunResult result = run_program(spec, limits);
  slot.reset();

  counters_.ran(run_end_of(result));
  SharedOutcome outcome = classify(result, budget);
  report_run(result, *outcome);
  return outcome;
}

SharedOutcome ScriptCollector::classify(RunResult& r, int64_t budget_ns) {
  auto o = std::make_shared<RunOutcome>();
  o->ran = true;
  o->started_ns = r.started_ns ? r.started_ns : api_->monotonic_ns();
  o->finished_ns = r.ended_ns ? r.ended_ns : o->started_ns;
  o->output_bytes = r.stdout_bytes;
  switch (r.end) {
    case RunResult::End::exited:
      o->exit_code = r.exit_code;
      if (r.exit_code == 0 || config_.keep_output_on_error) {
        o->status = PE_OK;
        o->output = std::move(r.stdout_data);
      } else {
        o->status = PE_ERROR;
        o->reason = "program exited with code " + std::to_string(r.exit_code) + "; its output (" +
                    std::to_string(r.stdout_bytes) + " bytes) was discarded";
      }
      break;
    case RunResult::End::timed_out:
      o->status = PE_TIMEOUT;
      o->reason = "program did not finish within " + seconds_text(budget_ns) +
                  "s; its process group was terminated (SIGTERM" +
                  (r.sigkill_needed ? ", then SIGKILL after the grace period)" : ")");
      break;
    case RunResult::End::output_limit:
      o->status = PE_LIMIT_EXCEEDED;
      o->reason =
          "program wrote more than max_output_bytes = " + std::to_string(config_.max_output_bytes) +
          " bytes to stdout; its process group was terminated";
      break;
    case RunResult::End::cancelled:
      o->status = PE_UNAVAILABLE;
      o->reason = "program was stopped: the collector is shutting down";
      break;
    case RunResult::End::signaled:
    case RunResult::End::spawn_failed:
      o->status = PE_ERROR;
      o->reason = "program " + r.describe();
      break;
  }
  return o;
}

void ScriptCollector::report_run(const RunResult& r, const RunOutcome& outcome) {
  const bool failed = !r.succeeded();
  if (!failed && r.stderr_bytes == 0) return;
  uint64_t suppressed = 0;
  if (!run_log_throttle_.allow(api_->monotonic_ns(), suppressed)) return;
  std::string message = failed
                            ? (outcome.reason.empty() ? "program " + r.describe() : outcome.reason)
                            : "program succeeded";
  if (r.stderr_bytes > 0) {
    message += "; stderr";
    if (r.stderr_bytes > r.stderr_data.size())
      message += " (last " + std::to_string(r.stderr_data.size()) + " of " +
                 std::to_string(r.stderr_bytes) + " bytes)";
    message += ": " + printable_stderr(r.stderr_data);
  }
  if (suppressed > 0)
    message +=
        " [" + std::to_string(suppressed) + " earlier run reports suppressed; stderr_log_interval]";
  if (failed)
    log_.warn(message);
  else
    log_.info(message);
}

void ScriptCollector::report_unknown(const ResolvedParameters& params) {
  if (params.unknown_count == 0) return;
  counters_.unknown_parameters(params.unknown_count);
  uint64_t suppressed = 0;
  if (!unknown_log_throttle_.allow(api_->monotonic_ns(), suppressed)) return;
  std::string names;
  for (const std::string& n : params.unknown_names) names += (names.empty() ? "" : ", ") + n;
  if (params.unknown_count > params.unknown_names.size()) names += ", ...";
  log_.warn("ignored " + std::to_string(params.unknown_count) +
            " scrape parameter(s) not in this collector's allowlist: " + names +
            (suppressed ? " [" + std::to_string(suppressed) + " similar reports suppressed]" : ""));
}

pe_status ScriptCollector::serve(const RunOutcome& outcome, int64_t collect_started_ns,
                                 pe::MetricSink& sink) {
  const int64_t now = api_->monotonic_ns();
  const bool cached = outcome.ran && outcome.finished_ns < collect_started_ns;
  const int64_t age = outcome.ran ? now - outcome.finished_ns : 0;
  sink.stat("exit_code", outcome.exit_code,
            "Exit code of the program run whose result the collect used (-1: it did not exit by "
            "itself or did not run).");
  sink.stat("output_bytes", static_cast<double>(outcome.output_bytes),
            "Bytes the program wrote to stdout in the run whose result the collect used.");
  sink.stat("cached", cached ? 1 : 0,
            "Whether the collect used the result of an earlier run (1) or of a run it started or "
            "joined (0).");
  sink.stat("result_age_seconds", static_cast<double>(age) / 1e9,
            "Time since the run whose result the collect used finished.");
  if (outcome.status != PE_OK) {
    std::string reason = outcome.reason;
    if (cached) reason = "the last run (" + seconds_text(age) + "s ago) failed: " + reason;
    throw pe::CollectFailure(outcome.status, reason);
  }
  pe_status st = sink.text(outcome.output, config_.format, config_.skip_invalid_lines);
  if (st != PE_OK) return st;  // the host has set the reason (line:column)
  counters_.emit(name_, sink);
  return PE_OK;
}

}  // namespace pe::script
