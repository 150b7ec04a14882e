// script_config.hpp — one script collector's configuration ([collector.config]
// of a `plugin = "script"` collector), read and checked in one pass: the
// command, its environment and identity, limits, the run mode and the
// parameter allowlist. See plugins/script/README.md for the reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parameter_policy.hpp"
#include "plugin_exporter/config_view.hpp"
#include "plugin_exporter/plugin.h"
#include "program_runner.hpp"

namespace pe::script {

enum class RunMode {
  on_scrape,   // every collect runs the program (concurrent equal ones share a run)
  cached,      // a run's result is served until min_interval has passed since it started
  background,  // a thread runs the program every interval; collects serve the latest result
};

// Variables every program gets, set by the plugin (never from the outside).
inline constexpr const char* kTimeoutVariable = "PLUGIN_EXPORTER_TIMEOUT_SECONDS";
inline constexpr const char* kDeadlineVariable = "PLUGIN_EXPORTER_DEADLINE";
// PATH when the configuration sets none.
inline constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct ScriptConfig {
  std::vector<std::string> command;
  std::string working_directory = "/";
  std::vector<std::string> environment;  // the base environment, "NAME=value"
  std::optional<RunAs> run_as;
  std::string run_as_text;  // "user:group" for messages, empty if not set
  int64_t timeout_ns = 10'000'000'000;
  int64_t kill_grace_ns = 1'000'000'000;
  std::size_t max_output_bytes = 16u << 20;
  pe_format format = PE_FORMAT_AUTO;
  bool skip_invalid_lines = false;
  bool keep_output_on_error = false;
  RunMode mode = RunMode::on_scrape;
  int64_t min_interval_ns = 0;  // cached
  int64_t interval_ns = 0;      // background
  int max_running_programs = 32;
  int64_t stderr_log_interval_ns = 10'000'000'000;
  ParameterPolicy parameters;
};

// Reads every key of the plugin table; problems are recorded on `config`
// (file:line:column) and the result is then not to be used. `check_only`
// skips checks about the running process (e.g. that `user` needs root).
ScriptConfig read_script_config(const pe::ConfigView& config, bool check_only);

const char* to_string(RunMode mode) noexcept;

}  // namespace pe::script
