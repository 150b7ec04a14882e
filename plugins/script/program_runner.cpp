// program_runner.cpp — fork/exec with a clean slate, then supervision of the
// process group with poll(): pipes, a pidfd for the program's exit, the
// deadline, the grace period and an optional cancel descriptor.
//
// Why fork and not posix_spawn: running as another user needs setgroups /
// setgid / setuid between fork and exec, which posix_spawn cannot do. The
// child only makes async-signal-safe system calls (everything it needs is
// prepared before fork) and reports a failure before exec through a
// close-on-exec pipe.
//
// Why the program's own pid stays unreaped until the end: while it is a
// zombie its pid, and so its process-group id, cannot be reused, so the
// final kill(-pgid) can never hit an unrelated group.
#include "program_runner.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace pe::script {
namespace {

constexpr int64_t kMs = 1'000'000;
// After SIGKILL: how long to wait for the program to be reaped and for the
// pipes to close (a process that left the group may still hold them).
constexpr int64_t kAfterKillWaitNs = 2000 * kMs;

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const noexcept { return fd_; }
  bool open() const noexcept { return fd_ >= 0; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::string errno_text(int err) {
  char buf[128];
  // GNU strerror_r returns the message (maybe not in buf).
  return strerror_r(err, buf, sizeof buf);
}

// A descriptor the child will dup2 onto 0..2 must not itself be 0..2 (the
// host may run with stdio closed).
bool above_stdio(Fd& fd) {
  if (fd.get() > 2) return true;
  int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return false;
  fd = Fd(moved);
  return true;
}

bool make_pipe(Fd& read_end, Fd& write_end) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return false;
  read_end = Fd(p[0]);
  write_end = Fd(p[1]);
  return above_stdio(read_end) && above_stdio(write_end);
}

// What the child reports when it cannot reach exec.
enum class ChildStage : int32_t {
  set_process_group = 1,
  redirect_stdio,
  set_groups,
  set_gid,
  set_uid,
  parent_death_signal,
  change_directory,
  close_descriptors,
  exec,
};

struct ChildFailure {
  int32_t stage;
  int32_t error;
};

const char* stage_text(ChildStage s) {
  switch (s) {
    case ChildStage::set_process_group:
      return "setpgid";
    case ChildStage::redirect_stdio:
      return "redirecting stdin/stdout/stderr";
    case ChildStage::set_groups:
      return "setgroups";
    case ChildStage::set_gid:
      return "setgid";
    case ChildStage::set_uid:
      return "setuid";
    case ChildStage::parent_death_signal:
      return "prctl(PR_SET_PDEATHSIG)";
    case ChildStage::change_directory:
      return "changing to the working directory";
    case ChildStage::close_descriptors:
      return "closing inherited descriptors";
    case ChildStage::exec:
      return "execve";
  }
  return "starting";
}

// Everything the child needs, prepared before fork (the child must not allocate).
struct ChildPlan {
  const char* path;
  char* const* argv;
  char* const* envp;
  const char* cwd;
  const RunAs* run_as;
  int stdin_fd, stdout_fd, stderr_fd, status_fd;
  pid_t parent;
};

[[noreturn]] void child_fail(int status_fd, ChildStage stage) {
  ChildFailure f{static_cast<int32_t>(stage), errno};
  ssize_t n = ::write(status_fd, &f, sizeof f);
  (void)n;
  ::_exit(127);
}

// Runs in the forked child: async-signal-safe system calls only.
[[noreturn]] void child_exec(const ChildPlan& p) {
  // The host blocks and ignores signals (SIGTERM via sigwait, SIGPIPE
  // ignored); a program must start with default dispositions, and with all
  // signals blocked until just before exec so no host handler runs here.
  // The raw system call, so glibc's reserved signals (32, 33), which an
  // ignoring parent process passes down too, are reset as well.
  struct KernelSigaction {
    void* handler;  // SIG_DFL: null
    unsigned long flags;
    void* restorer;
    uint64_t mask;
  } dfl{};
  for (int s = 1; s <= 64; ++s)
    if (s != SIGKILL && s != SIGSTOP)
      ::syscall(SYS_rt_sigaction, s, &dfl, nullptr, sizeof dfl.mask);

  if (::setpgid(0, 0) != 0) child_fail(p.status_fd, ChildStage::set_process_group);
  if (::dup2(p.stdin_fd, 0) < 0 || ::dup2(p.stdout_fd, 1) < 0 || ::dup2(p.stderr_fd, 2) < 0)
    child_fail(p.status_fd, ChildStage::redirect_stdio);
  if (p.run_as) {
    // Raw system calls: this process has one thread, and glibc's wrappers
    // would try to synchronise credentials across threads of the parent.
    if (::syscall(SYS_setgroups, p.run_as->groups.size(), p.run_as->groups.data()) != 0)
      child_fail(p.status_fd, ChildStage::set_groups);
    if (::syscall(SYS_setgid, p.run_as->gid) != 0) child_fail(p.status_fd, ChildStage::set_gid);
    if (::syscall(SYS_setuid, p.run_as->uid) != 0) child_fail(p.status_fd, ChildStage::set_uid);
  }
  // If the exporter dies, the program dies with it (set after setuid, which clears it).
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
    child_fail(p.status_fd, ChildStage::parent_death_signal);
  if (::getppid() != p.parent) ::_exit(127);
  if (::chdir(p.cwd) != 0) child_fail(p.status_fd, ChildStage::change_directory);
  // Nothing of the host's (sockets, files without O_CLOEXEC) reaches the program.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    struct rlimit rl {};
    rlim_t max = ::getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
    if (max > 65536) max = 65536;
    for (rlim_t fd = 3; fd < max; ++fd)
      if (static_cast<int>(fd) != p.status_fd) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(p.path, p.argv, p.envp);
  child_fail(p.status_fd, ChildStage::exec);
}

// Programs whose exit could not be awaited (stuck in the kernel after
// SIGKILL) are reaped later, at the start of the next run.
std::mutex g_unreaped_mu;
std::vector<pid_t> g_unreaped;

void reap_leftovers() {
  std::lock_guard lock(g_unreaped_mu);
  std::erase_if(g_unreaped, [](pid_t pid) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    return r == pid || (r < 0 && errno == ECHILD);
  });
}

void remember_unreaped(pid_t pid) {
  std::lock_guard lock(g_unreaped_mu);
  g_unreaped.push_back(pid);
}

ssize_t read_retry(int fd, void* buf, std::size_t len) {
  for (;;) {
    ssize_t n = ::read(fd, buf, len);
    if (n >= 0 || errno != EINTR) return n;
  }
}

// Supervises one started program until it and its group are done.
class Supervisor {
 public:
  Supervisor(pid_t pid, Fd out, Fd err, const RunLimits& limits, RunResult& result)
      : pid_(pid), out_(std::move(out)), err_(std::move(err)), limits_(limits), r_(result) {
    pidfd_ = Fd(static_cast<int>(
        ::syscall(SYS_pidfd_open, pid, 0)));  // -1 on old kernels: polled with a short tick instead
  }

  void run() {
    char buf[65536];
    for (;;) {
      const int64_t now = limits_.clock();
      if (!leader_exited_ && !term_sent_ && now >= limits_.terminate_at_ns)
        terminate(RunResult::End::timed_out, now);
      if (term_sent_ && !kill_sent_ && now >= kill_at_) {
        ::kill(-pid_, SIGKILL);
        kill_sent_ = true;
        r_.sigkill_needed = true;
        give_up_at_ = now + kAfterKillWaitNs;
      }
      if (leader_exited_ && !out_.open() && !err_.open()) break;
      if (kill_sent_ && now >= give_up_at_) break;

      pollfd fds[4];
      nfds_t n = 0;
      int out_i = -1, err_i = -1, pid_i = -1, cancel_i = -1;
      if (out_.open()) {
        out_i = static_cast<int>(n);
        fds[n++] = pollfd{out_.get(), POLLIN, 0};
      }
      if (err_.open()) {
        err_i = static_cast<int>(n);
        fds[n++] = pollfd{err_.get(), POLLIN, 0};
      }
      if (!leader_exited_ && pidfd_.open()) {
        pid_i = static_cast<int>(n);
        fds[n++] = pollfd{pidfd_.get(), POLLIN, 0};
      }
      if (limits_.cancel_fd >= 0 && !cancel_seen_) {
        cancel_i = static_cast<int>(n);
        fds[n++] = pollfd{limits_.cancel_fd, POLLIN, 0};
      }

      int64_t wake = INT64_MAX;
      if (!leader_exited_ && !term_sent_) wake = std::min(wake, limits_.terminate_at_ns);
      if (term_sent_ && !kill_sent_) wake = std::min(wake, kill_at_);
      if (kill_sent_) wake = std::min(wake, give_up_at_);
      int64_t wait_ms = wake == INT64_MAX ? 1000 : (wake - now + kMs - 1) / kMs;
      if (!leader_exited_ && !pidfd_.open()) wait_ms = std::min<int64_t>(wait_ms, 10);
      wait_ms = std::clamp<int64_t>(wait_ms, 0, 1000);

      int ready = ::poll(fds, n, static_cast<int>(wait_ms));
      if (ready < 0 && errno != EINTR) break;  // cannot happen with valid fds
      const int64_t after = limits_.clock();
      if (ready > 0) {
        if (out_i >= 0 && fds[out_i].revents) read_stdout(buf, sizeof buf, after);
        if (err_i >= 0 && fds[err_i].revents) read_stderr(buf, sizeof buf);
        if (cancel_i >= 0 && fds[cancel_i].revents) {
          cancel_seen_ = true;
          terminate(RunResult::End::cancelled, after);
        }
        (void)pid_i;  // the exit check below covers a readable pidfd
      }
      if (!leader_exited_) check_leader(after);
    }
    finish();
  }

 private:
  void terminate(RunResult::End why, int64_t now) {
    if (!override_) override_ = why;
    if (!term_sent_) {
      ::kill(-pid_, SIGTERM);
      term_sent_ = true;
      kill_at_ = now + limits_.kill_grace_ns;
    }
  }

  void read_stdout(char* buf, std::size_t size, int64_t now) {
    ssize_t got = read_retry(out_.get(), buf, size);
    if (got <= 0) {
      if (got == 0 || errno != EAGAIN) out_.reset();
      return;
    }
    auto n = static_cast<std::size_t>(got);
    r_.stdout_bytes += n;
    std::size_t room = limits_.max_stdout_bytes - r_.stdout_data.size();
    if (n > room) {
      // Over the limit: keep nothing more, stop reading (the writer gets
      // EPIPE/SIGPIPE) and end the run.
      r_.stdout_data.append(buf, room);
      out_.reset();
      terminate(RunResult::End::output_limit, now);
      return;
    }
    r_.stdout_data.append(buf, n);
  }

  void read_stderr(char* buf, std::size_t size) {
    ssize_t got = read_retry(err_.get(), buf, size);
    if (got <= 0) {
      if (got == 0 || errno != EAGAIN) err_.reset();
      return;
    }
    auto n = static_cast<std::size_t>(got);
    r_.stderr_bytes += n;
    // Keep the last max_stderr_bytes: the end of stderr usually says why.
    r_.stderr_data.append(buf, n);
    if (r_.stderr_data.size() > 2 * limits_.max_stderr_bytes + size)
      r_.stderr_data.erase(0, r_.stderr_data.size() - limits_.max_stderr_bytes);
  }

  void check_leader(int64_t now) {
    siginfo_t info{};
    int rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
    if (rc != 0) {
      if (errno == ECHILD) {  // reaped behind our back (SIGCHLD ignored): nothing to wait for
        leader_exited_ = true;
        leader_reaped_ = true;
        on_leader_exit(now);
      }
      return;
    }
    if (info.si_pid != pid_) return;  // still running
    leader_exited_ = true;
    leader_info_ = info;
    on_leader_exit(now);
  }

  void on_leader_exit(int64_t now) {
    // Whatever the program left running in its group is terminated too (it
    // may hold stdout open); the pipes are drained meanwhile.
    if (!term_sent_) {
      ::kill(-pid_, SIGTERM);
      term_sent_ = true;
      kill_at_ = now + limits_.kill_grace_ns;
    }
  }

  void finish() {
    r_.ended_ns = limits_.clock();
    out_.reset();
    err_.reset();
    if (r_.stderr_data.size() > limits_.max_stderr_bytes)
      r_.stderr_data.erase(0, r_.stderr_data.size() - limits_.max_stderr_bytes);
    if (!leader_reaped_) {
      // Safe: the unreaped program keeps the group id reserved.
      ::kill(-pid_, SIGKILL);
      if (leader_exited_) {
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
      } else {
        remember_unreaped(pid_);  // stuck in the kernel even after SIGKILL
      }
    }
    int signal = 0;
    bool exited = false;
    if (leader_exited_ && !leader_reaped_) {
      if (leader_info_.si_code == CLD_EXITED) {
        exited = true;
        r_.exit_code = leader_info_.si_status;
      } else {
        signal = leader_info_.si_status;
      }
    }
    r_.signal = signal;
    if (override_) {
      r_.end = *override_;
    } else if (exited || leader_reaped_) {
      r_.end = RunResult::End::exited;
    } else {
      r_.end = RunResult::End::signaled;
    }
  }

  pid_t pid_;
  Fd out_, err_, pidfd_;
  const RunLimits& limits_;
  RunResult& r_;
  bool leader_exited_ = false;
  bool leader_reaped_ = false;
  siginfo_t leader_info_{};
  bool term_sent_ = false;
  bool kill_sent_ = false;
  bool cancel_seen_ = false;
  int64_t kill_at_ = INT64_MAX;
  int64_t give_up_at_ = INT64_MAX;
  std::optional<RunResult::End> override_;
};

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace

int64_t monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

std::string RunResult::describe() const {
  switch (end) {
    case End::exited:
      return "exited with code " + std::to_string(exit_code);
    case End::signaled:
      return "was killed by " + signal_name(signal);
    case End::timed_out:
      return std::string("did not finish in time; its process group was terminated (SIGTERM") +
             (sigkill_needed ? ", then SIGKILL after the grace period)" : ")");
    case End::output_limit:
      return "wrote more than " + std::to_string(stdout_data.size()) +
             " bytes to stdout (the limit); its process group was terminated";
    case End::cancelled:
      return "was stopped because the collector is shutting down";
    case End::spawn_failed:
      return "could not be started: " + spawn_error;
  }
  return "ended";
}

RunResult run_program(const ProgramSpec& spec, const RunLimits& limits) {
  RunResult r;
  reap_leftovers();
  if (spec.argv.empty() || spec.argv[0].empty()) {
    r.spawn_error = "empty command";
    return r;
  }
  std::vector<char*> argv, envp;
  argv.reserve(spec.argv.size() + 1);
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  envp.reserve(spec.env.size() + 1);
  for (const std::string& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  Fd out_r, out_w, err_r, err_w, status_r, status_w;
  Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!devnull.open() || !above_stdio(devnull) || !make_pipe(out_r, out_w) ||
      !make_pipe(err_r, err_w) || !make_pipe(status_r, status_w)) {
    r.spawn_error = "cannot create pipes: " + errno_text(errno);
    return r;
  }
  ChildPlan plan{spec.argv[0].c_str(),
                 argv.data(),
                 envp.data(),
                 spec.working_directory.empty() ? "/" : spec.working_directory.c_str(),
                 spec.run_as ? &*spec.run_as : nullptr,
                 devnull.get(),
                 out_w.get(),
                 err_w.get(),
                 status_w.get(),
                 ::getpid()};

  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = ::fork();
  if (pid == 0) child_exec(plan);
  int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    r.spawn_error = "fork: " + errno_text(fork_errno);
    return r;
  }
  r.pid = pid;
  r.started_ns = limits.clock();
  ::setpgid(pid, pid);  // also done by the child; whichever comes first (EACCES after exec)
  out_w.reset();
  err_w.reset();
  status_w.reset();
  devnull.reset();

  // The status pipe closes on exec; a failure before exec arrives as a record.
  ChildFailure failure{};
  ssize_t got = read_retry(status_r.get(), &failure, sizeof failure);
  if (got == static_cast<ssize_t>(sizeof failure)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.end = RunResult::End::spawn_failed;
    r.spawn_error = std::string(stage_text(static_cast<ChildStage>(failure.stage))) +
                    " failed: " + errno_text(failure.error);
    if (static_cast<ChildStage>(failure.stage) == ChildStage::exec)
      r.spawn_error += " (" + spec.argv[0] + ")";
    else if (static_cast<ChildStage>(failure.stage) == ChildStage::change_directory)
      r.spawn_error += " (" + std::string(plan.cwd) + ")";
    r.ended_ns = limits.clock();
    return r;
  }
  status_r.reset();

  Supervisor(pid, std::move(out_r), std::move(err_r), limits, r).run();
  return r;
}

}  // namespace pe::script
