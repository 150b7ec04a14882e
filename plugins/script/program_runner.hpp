// program_runner.hpp — runs one program to completion, safely: argv executed
// directly (no shell), a clean environment, its own process group, optional
// user/group, stdin from /dev/null, stdout kept up to a limit, stderr kept up
// to a limit for the log. On the deadline (or cancel) the whole process group
// gets SIGTERM, then SIGKILL after a grace period; whatever of the group is
// left when the program itself exits is terminated the same way, so nothing
// it started outlives the run.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plugin_exporter/host_clock.hpp"

namespace pe::script {

// Who the program runs as (only possible when the exporter runs as root).
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups
};

struct ProgramSpec {
  std::vector<std::string> argv;  // argv[0] is an absolute path, executed as is
  std::vector<std::string> env;   // "NAME=value", the program's whole environment
  std::string working_directory;  // chdir before exec
  std::optional<RunAs> run_as;
};

// Monotonic clock in nanoseconds (CLOCK_MONOTONIC, the clock of all deadlines here).
int64_t monotonic_ns() noexcept;

struct RunLimits {
  int64_t terminate_at_ns = 0;               // on `clock`: SIGTERM to the group
  int64_t kill_grace_ns = 1'000'000'000;     // then SIGKILL this much later
  std::size_t max_stdout_bytes = 16u << 20;  // more: the group is terminated
  std::size_t max_stderr_bytes = 4096;       // more is read and counted, not kept
  int cancel_fd = -1;                        // optional: readable = stop now (as on the deadline)
  pe::MonotonicClock clock = monotonic_ns;   // of terminate_at_ns (plugins: the host's)
};

struct RunResult {
  enum class End {
    exited,        // the program exited by itself (see exit_code)
    signaled,      // killed by a signal nobody here sent (see signal)
    timed_out,     // terminated at the deadline
    output_limit,  // terminated because stdout exceeded the limit
    cancelled,     // terminated because cancel_fd became readable
    spawn_failed,  // never ran (see spawn_error)
  };
  End end = End::spawn_failed;
  int exit_code = -1;            // when exited
  int signal = 0;                // when signaled (or the signal that ended a terminated run)
  bool sigkill_needed = false;   // the group ignored SIGTERM for the grace period
  std::string stdout_data;       // at most max_stdout_bytes
  std::size_t stdout_bytes = 0;  // read in total (may exceed stdout_data.size() by one read)
  std::string stderr_data;       // at most max_stderr_bytes
  std::size_t stderr_bytes = 0;  // read in total
  std::string spawn_error;       // when spawn_failed: what failed and why
  pid_t pid = -1;
  int64_t started_ns = 0;
  int64_t ended_ns = 0;

  bool succeeded() const noexcept { return end == End::exited && exit_code == 0; }
  // One line for logs and failure reasons, e.g. "exited with code 3".
  std::string describe() const;
};

// Runs the program and returns once it and its process group are finished.
// Thread-safe; blocks the calling thread for at most about
// terminate_at + kill_grace (+ a short bounded wait after SIGKILL).
RunResult run_program(const ProgramSpec& spec, const RunLimits& limits);

}  // namespace pe::script
