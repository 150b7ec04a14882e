// script_collector.hpp — one script collector (an instance of the `script`
// plugin): validates a collect's parameters, then, by mode, runs the program
// (coalescing equal runs), serves a cached result, or serves the background
// thread's latest result; reports figures and counters beside the metrics.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "background_runner.hpp"
#include "log_throttle.hpp"
#include "plugin_exporter/plugin.hpp"
#include "result_cache.hpp"
#include "run_coalescer.hpp"
#include "run_counters.hpp"
#include "running_program_cap.hpp"
#include "script_config.hpp"

namespace pe::script {

class ScriptCollector : public pe::PluginInstance {
 public:
  explicit ScriptCollector(pe::CreateContext& ctx);
  ~ScriptCollector() override;

  pe_status collect(const pe::CollectRequest& request, pe::MetricSink& sink) override;

 private:
  // Runs the program once (if the cap and the time left allow). deadline_ns
  // is the scrape's deadline, or INT64_MAX in the background.
  SharedOutcome run_once(const ResolvedParameters& params, int64_t deadline_ns, int cancel_fd);
  SharedOutcome refuse(Refusal why, pe_status status, std::string reason);
  SharedOutcome classify(RunResult& result, int64_t budget_ns);
  void report_run(const RunResult& result, const RunOutcome& outcome);
  void report_unknown(const ResolvedParameters& params);
  pe_status serve(const RunOutcome& outcome, int64_t collect_started_ns, pe::MetricSink& sink);

  const pe_host_api* api_;
  pe::HostLog log_;
  std::string name_;
  ScriptConfig config_;
  std::optional<CapRegistration> cap_registration_;
  RunCoalescer coalescer_;
  std::unique_ptr<ResultCache> cache_;
  LogThrottle run_log_throttle_;
  LogThrottle unknown_log_throttle_;
  LogThrottle bad_parameter_log_throttle_;
  RunCounters counters_;
  std::unique_ptr<BackgroundRunner> background_;  // last member: stopped first
};

}  // namespace pe::script
