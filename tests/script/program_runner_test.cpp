// program_runner_test.cpp — run_program with real programs: output and exit
// codes, a clean environment, no inherited descriptors or signal state,
// spawn failures, the deadline killing the whole process group (also when it
// ignores SIGTERM), leftovers of a finished program, the stdout limit on a
// 100 MB flood, cancellation, and running as an unprivileged user.
#include "program_runner.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <thread>

#include "script_test_support.hpp"

using namespace pe::script;
using namespace script_test;

namespace {

constexpr int64_t kMs = 1'000'000;

RunLimits within(int64_t ms) {
  RunLimits l;
  l.terminate_at_ns = monotonic_ns() + ms * kMs;
  l.kill_grace_ns = 300 * kMs;
  return l;
}

ProgramSpec shell(const std::string& script, std::vector<std::string> env = {}) {
  ProgramSpec s;
  s.argv = {"/bin/sh", "-c", script};
  s.env = std::move(env);
  s.working_directory = "/";
  return s;
}

std::pair<pid_t, pid_t> read_pids(const std::string& path) {
  std::istringstream in(read_file(path));
  pid_t a = 0, b = 0;
  in >> a >> b;
  return {a, b};
}

std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.insert(line);
  return out;
}

}  // namespace

TEST(ProgramRunner, CapturesStdoutAndExitCodeZero) {
  ProgramSpec spec;
  spec.argv = {program("metrics.sh")};
  RunResult r = run_program(spec, within(10'000));
  EXPECT_EQ(r.end, RunResult::End::exited) << r.describe();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.succeeded());
  EXPECT_NE(r.stdout_data.find("script_test_queue_length{queue=\"mail\"} 42\n"), std::string::npos);
  EXPECT_EQ(r.stdout_bytes, r.stdout_data.size());
  EXPECT_EQ(r.stderr_bytes, 0u);
}

TEST(ProgramRunner, ReportsExitCodeAndKeepsStderrApart) {
  ProgramSpec spec;
  spec.argv = {program("exit3.sh")};
  RunResult r = run_program(spec, within(10'000));
  EXPECT_EQ(r.end, RunResult::End::exited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.succeeded());
  EXPECT_EQ(r.describe(), "exited with code 3");
  EXPECT_EQ(r.stdout_data, "script_test_partial 1\n");
  EXPECT_EQ(r.stderr_data, "cannot reach the queue server\n");
}

TEST(ProgramRunner, KeepsOnlyTheEndOfALongStderr) {
  RunLimits limits = within(10'000);
  limits.max_stderr_bytes = 100;
  RunResult r = run_program(
      shell("i=0; while [ $i -lt 2000 ]; do echo line $i >&2; i=$((i+1)); done; echo LAST >&2"),
      limits);
  EXPECT_TRUE(r.succeeded()) << r.describe();
  EXPECT_GT(r.stderr_bytes, 10000u);
  EXPECT_EQ(r.stderr_data.size(), 100u);
  EXPECT_TRUE(r.stderr_data.ends_with("line 1999\nLAST\n")) << r.stderr_data;
}

TEST(ProgramRunner, EnvironmentIsExactlyWhatWasGiven) {
  ::setenv("PE_SCRIPT_TEST_SECRET", "must-not-leak", 1);
  ProgramSpec spec;
  spec.argv = {"/usr/bin/env"};
  spec.env = {"ONLY=this", "AND=that"};
  RunResult r = run_program(spec, within(10'000));
  ::unsetenv("PE_SCRIPT_TEST_SECRET");
  ASSERT_TRUE(r.succeeded()) << r.describe();
  EXPECT_EQ(lines_of(r.stdout_data), (std::set<std::string>{"ONLY=this", "AND=that"}));
}

TEST(ProgramRunner, ArgumentsReachTheProgramUninterpreted) {
  ProgramSpec spec;
  spec.argv = {"/usr/bin/printf", "%s|", "a b", "$(touch /tmp/pe-script-injected)",
               "; echo x",        "*"};
  RunResult r = run_program(spec, within(10'000));
  ASSERT_TRUE(r.succeeded()) << r.describe();
  EXPECT_EQ(r.stdout_data, "a b|$(touch /tmp/pe-script-injected)|; echo x|*|");
  EXPECT_FALSE(std::filesystem::exists("/tmp/pe-script-injected"));
}

TEST(ProgramRunner, WorkingDirectoryIsApplied) {
  TempDir dir;
  ProgramSpec spec;
  spec.argv = {"/bin/pwd"};
  spec.working_directory = dir.path();
  RunResult r = run_program(spec, within(10'000));
  ASSERT_TRUE(r.succeeded()) << r.describe();
  EXPECT_EQ(r.stdout_data, dir.path() + "\n");
}

TEST(ProgramRunner, InheritsNoDescriptorsBeyondStdio) {
  // A descriptor of the host opened without O_CLOEXEC must not reach the program.
  int opened = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(opened, 0);
  int leaky = ::dup2(opened, 100);
  ::close(opened);
  ASSERT_EQ(leaky, 100);
  ProgramSpec spec;
  spec.argv = {"/bin/ls", "/proc/self/fd"};
  RunResult r = run_program(spec, within(10'000));
  ::close(leaky);
  ASSERT_TRUE(r.succeeded()) << r.describe();
  // 0, 1, 2 and the directory ls reads /proc/self/fd with.
  EXPECT_LE(lines_of(r.stdout_data).size(), 4u) << r.stdout_data;
  EXPECT_EQ(lines_of(r.stdout_data).count(std::to_string(leaky)), 0u) << r.stdout_data;
}

TEST(ProgramRunner, ProgramStartsWithDefaultSignalsEvenIfTheHostBlocksThem) {
  // The host blocks SIGTERM (sigwait) and ignores SIGPIPE; the program must
  // not inherit either, or SIGTERM would not stop it.
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &term, &old), 0);
  auto old_pipe = ::signal(SIGPIPE, SIG_IGN);
  RunResult r = run_program(shell("grep -E '^Sig(Blk|Ign)' /proc/self/status"), within(10'000));
  RunLimits limits = within(300);
  limits.kill_grace_ns = 5'000 * kMs;
  RunResult slow = run_program(shell("sleep 30"), limits);
  ::signal(SIGPIPE, old_pipe);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(r.succeeded()) << r.describe();
  EXPECT_NE(r.stdout_data.find("SigBlk:\t0000000000000000"), std::string::npos) << r.stdout_data;
  EXPECT_NE(r.stdout_data.find("SigIgn:\t0000000000000000"), std::string::npos) << r.stdout_data;
  EXPECT_EQ(slow.end, RunResult::End::timed_out);
  EXPECT_FALSE(slow.sigkill_needed) << "SIGTERM should have been enough";
}

TEST(ProgramRunner, SpawnFailuresSayWhat) {
  ProgramSpec missing;
  missing.argv = {"/nonexistent/program"};
  RunResult r = run_program(missing, within(10'000));
  EXPECT_EQ(r.end, RunResult::End::spawn_failed);
  EXPECT_NE(r.spawn_error.find("execve failed: No such file or directory (/nonexistent/program)"),
            std::string::npos)
      << r.spawn_error;

  TempDir dir;
  std::ofstream(dir.file("not-executable")) << "#!/bin/sh\necho hi\n";
  ProgramSpec not_exec;
  not_exec.argv = {dir.file("not-executable")};
  r = run_program(not_exec, within(10'000));
  EXPECT_EQ(r.end, RunResult::End::spawn_failed);
  EXPECT_NE(r.spawn_error.find("Permission denied"), std::string::npos) << r.spawn_error;

  ProgramSpec bad_dir = shell("true");
  bad_dir.working_directory = "/nonexistent-dir";
  r = run_program(bad_dir, within(10'000));
  EXPECT_EQ(r.end, RunResult::End::spawn_failed);
  EXPECT_NE(r.spawn_error.find("working directory"), std::string::npos) << r.spawn_error;
  EXPECT_NE(r.describe().find("could not be started"), std::string::npos);
}

TEST(ProgramRunner, DeadlineKillsTheProgramAndItsChild) {
  TempDir dir;
  ProgramSpec spec;
  spec.argv = {program("sleeper_with_child.sh"), dir.file("pids")};
  RunLimits limits = within(500);
  auto start = std::chrono::steady_clock::now();
  RunResult r = run_program(spec, limits);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.end, RunResult::End::timed_out) << r.describe();
  EXPECT_FALSE(r.sigkill_needed);
  EXPECT_LT(took, std::chrono::seconds(10));  // not the 30 s the script wanted
  auto [shell_pid, child_pid] = read_pids(dir.file("pids"));
  ASSERT_GT(shell_pid, 0);
  ASSERT_GT(child_pid, 0);
  EXPECT_EQ(shell_pid, r.pid);
  EXPECT_TRUE(process_gone(shell_pid));
  EXPECT_TRUE(process_gone(child_pid)) << "the child outlived the timed-out program";
}

TEST(ProgramRunner, GroupIgnoringSigtermGetsSigkillAfterTheGrace) {
  TempDir dir;
  ProgramSpec spec;
  spec.argv = {program("sleeper_with_child.sh"), dir.file("pids"), "stubborn"};
  RunLimits limits = within(500);
  limits.kill_grace_ns = 300 * kMs;
  RunResult r = run_program(spec, limits);
  EXPECT_EQ(r.end, RunResult::End::timed_out);
  EXPECT_TRUE(r.sigkill_needed);
  EXPECT_NE(r.describe().find("then SIGKILL"), std::string::npos);
  auto [shell_pid, child_pid] = read_pids(dir.file("pids"));
  EXPECT_TRUE(process_gone(shell_pid));
  EXPECT_TRUE(process_gone(child_pid));
}

TEST(ProgramRunner, LeftoversOfAFinishedProgramAreTerminated) {
  TempDir dir;
  ProgramSpec spec;
  spec.argv = {program("leaves_child.sh"), dir.file("pids")};
  RunResult r = run_program(spec, within(10'000));
  EXPECT_TRUE(r.succeeded()) << r.describe();
  EXPECT_EQ(r.stdout_data, "script_test_left_a_child 1\n");
  auto [shell_pid, child_pid] = read_pids(dir.file("pids"));
  ASSERT_GT(child_pid, 0);
  EXPECT_TRUE(process_gone(child_pid)) << "a background process outlived its program";
}

TEST(ProgramRunner, StdoutIsCutAtTheLimitAndTheFloodStopped) {
  ProgramSpec spec;
  spec.argv = {program("flood.sh")};
  RunLimits limits = within(30'000);
  limits.max_stdout_bytes = 1 << 20;
  RunResult r = run_program(spec, limits);
  EXPECT_EQ(r.end, RunResult::End::output_limit) << r.describe();
  EXPECT_EQ(r.stdout_data.size(), 1u << 20);  // memory bounded by the limit
  EXPECT_LT(r.stdout_bytes, 10u << 20);       // stopped early, not read to the end
  EXPECT_NE(r.describe().find("wrote more than 1048576 bytes"), std::string::npos) << r.describe();
}

TEST(ProgramRunner, OutputExactlyAtTheLimitIsAccepted) {
  RunLimits limits = within(10'000);
  limits.max_stdout_bytes = 8;
  RunResult r = run_program(shell("printf 'x 1\\ny 2\\n'"), limits);
  EXPECT_TRUE(r.succeeded()) << r.describe();
  EXPECT_EQ(r.stdout_data, "x 1\ny 2\n");
}

TEST(ProgramRunner, CancelStopsARunningProgram) {
  int cancel = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  ASSERT_GE(cancel, 0);
  RunLimits limits = within(60'000);
  limits.cancel_fd = cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    uint64_t one = 1;
    EXPECT_EQ(::write(cancel, &one, sizeof one), static_cast<ssize_t>(sizeof one));
  });
  RunResult r = run_program(shell("sleep 60"), limits);
  canceller.join();
  ::close(cancel);
  EXPECT_EQ(r.end, RunResult::End::cancelled) << r.describe();
}

TEST(ProgramRunner, KilledBySignalIsReported) {
  RunResult r = run_program(shell("kill -SEGV $$"), within(10'000));
  EXPECT_EQ(r.end, RunResult::End::signaled);
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_EQ(r.describe(), "was killed by SIGSEGV");
}

TEST(ProgramRunner, RunsAsAnUnprivilegedUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  RunAs nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  nobody.groups = {65534};
  ProgramSpec spec = shell(
      "id -u; id -g; id -G; if touch /root/pe-script-test-denied 2>/dev/null; then echo WROTE; fi");
  spec.run_as = nobody;
  RunResult r = run_program(spec, within(10'000));
  ASSERT_TRUE(r.succeeded()) << r.describe() << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "65534\n65534\n65534\n");
}
