// crash_record.cpp — the fatal-signal and exit hooks and the record's reader.
// The hooks are async-signal-safe: no allocation, no stdio, no locks; only
// write, openat, fsync, renameat, close, clock_gettime, getpid, sigaction
// and raise.
#include "plugin/crash_record.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>

#include "plugin/plugin_call_scope.hpp"

namespace pe::host {
namespace {

constexpr const char* kTempName = "crash-record.tmp";

struct FatalSignal {
  int number;
  const char* name;
};
constexpr FatalSignal kSignals[] = {
    {SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},   {SIGILL, "SIGILL"},
    {SIGFPE, "SIGFPE"},   {SIGABRT, "SIGABRT"},
};

std::atomic<int> g_state_dir_fd{-1};               // opened at install; read by the hooks
struct sigaction g_previous[std::size(kSignals)];  // dispositions before ours
std::atomic<bool> g_recorded{false};
// The exporter's pid: a child a plugin forked (inheriting the thread's mark)
// that crashes or calls exit() before exec must not leave a record.
std::atomic<pid_t> g_pid{0};  // the first crash is the one recorded
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free &&
                  std::atomic<pid_t>::is_always_lock_free,
              "the hooks use atomics from a signal handler");

// A fixed buffer filled without allocation (signal handler context).
struct LineBuffer {
  char data[2048];
  std::size_t len = 0;

  void add(const char* s) {
    while (s && *s && len < sizeof data) data[len++] = *s++;
  }
  // Collector names are [A-Za-z0-9_.-]; plugin names come from the plugin:
  // anything but printable ASCII (and quotes, backslashes, '=') becomes '_'
  // so the line stays one logfmt line and the record one key=value per line.
  void add_clean(const char* s) {
    while (s && *s && len < sizeof data) {
      char c = *s++;
      data[len++] = (c >= 0x21 && c <= 0x7e && c != '"' && c != '\\' && c != '=') ? c : '_';
    }
  }
  void add_uint(unsigned long long u) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u && n < 24);
    while (n > 0 && len < sizeof data) data[len++] = digits[--n];
  }
};

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

const char* signal_name(int sig) {
  for (const auto& s : kSignals)
    if (s.number == sig) return s.name;
  return "signal";
}

// One stderr line and, with a state directory, the record file (written
// aside, synced, renamed into place, so a reader never sees half of it).
void record(const PluginCallSite& call, const char* what, int signal_number) {
  LineBuffer line;
  line.add(
      "level=error msg=\"a plugin brought the exporter down; with state_dir set its "
      "collector is quarantined at the next start\" collector=");
  line.add_clean(call.collector);
  line.add(" plugin=");
  line.add_clean(call.plugin);
  line.add(" call=");
  line.add_clean(call.entry);
  line.add(" signal=");
  line.add(what);
  line.add("\n");
  write_all(STDERR_FILENO, line.data, line.len);
  const int dir = g_state_dir_fd.load();
  if (dir < 0) return;
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  LineBuffer file;
  file.add("collector=");
  file.add_clean(call.collector);
  file.add("\nplugin=");
  file.add_clean(call.plugin);
  file.add("\nfingerprint=");
  file.add_clean(call.fingerprint);
  file.add("\ncall=");
  file.add_clean(call.entry);
  file.add("\nsignal=");
  file.add(what);
  file.add("\nsignal_number=");
  file.add_uint(static_cast<unsigned>(signal_number));
  file.add("\nunix_ms=");
  file.add_uint(static_cast<unsigned long long>(now.tv_sec) * 1000ULL +
                static_cast<unsigned long long>(now.tv_nsec) / 1000000ULL);
  file.add("\n");
  int fd = ::openat(dir, kTempName, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  write_all(fd, file.data, file.len);
  ::fsync(fd);
  ::close(fd);
  ::renameat(dir, kTempName, dir, kCrashRecordName);
  ::fsync(dir);
}

void on_fatal_signal(int sig, siginfo_t* info, void*) {
  const int saved_errno = errno;
  const PluginCallSite* call = current_plugin_call();
  if (call && ::getpid() == g_pid.load() && !g_recorded.exchange(true))
    record(*call, signal_name(sig), sig);
  // Whatever handled the signal before us (the default action, or a
  // sanitizer's report) handles it now.
  for (std::size_t i = 0; i < std::size(kSignals); ++i)
    if (kSignals[i].number == sig) ::sigaction(sig, &g_previous[i], nullptr);
  errno = saved_errno;
  // A fault (SIGSEGV from a bad access, SIGFPE, SIGILL, SIGBUS) happens again
  // when we return, with its real siginfo; a sent signal (abort(), kill) is
  // raised again: blocked while this handler runs, it is delivered on return.
  if (info == nullptr || info->si_code <= 0 || sig == SIGABRT) ::raise(sig);
}

void on_exit_inside_plugin() {
  const PluginCallSite* call = current_plugin_call();
  if (call && ::getpid() == g_pid.load() && !g_recorded.exchange(true)) record(*call, "exit", 0);
}

}  // namespace

bool install_crash_recorder(const std::string& state_dir, std::string& error) {
  static bool installed = false;
  bool ok = true;
  if (!state_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
    int fd = ::open(state_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      int old = g_state_dir_fd.exchange(fd);
      if (old >= 0) ::close(old);
    } else {
      error = "cannot open the state directory " + state_dir + ": " + std::strerror(errno);
      ok = false;
    }
  }
  if (installed) return ok;
  installed = true;
  g_pid = ::getpid();
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
    struct sigaction sa {};
    sa.sa_sigaction = on_fatal_signal;
    sa.sa_flags = SA_SIGINFO;  // the signal stays blocked while the handler runs
    sigemptyset(&sa.sa_mask);
    ::sigaction(kSignals[i].number, &sa, &g_previous[i]);
  }
  std::atexit(on_exit_inside_plugin);
  return ok;
}

std::optional<CrashRecord> read_crash_record(const std::string& state_dir, std::string& error) {
  if (state_dir.empty()) return std::nullopt;
  const std::string path = state_dir + "/" + kCrashRecordName;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) error = "cannot read " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || text.size() > 16384) break;  // the writer never writes more than 2 KiB
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  CrashRecord r;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "collector") r.collector = value;
    if (key == "plugin") r.plugin = value;
    if (key == "fingerprint") r.fingerprint = value;
    if (key == "call") r.entry = value;
    if (key == "signal") r.signal = value;
    if (key == "signal_number") r.signal_number = std::atoi(value.c_str());
    if (key == "unix_ms") r.unix_ms = std::atoll(value.c_str());
  }
  if (r.collector.empty()) {
    error = path + " names no collector";
    return std::nullopt;
  }
  return r;
}

void remove_crash_record(const std::string& state_dir) {
  if (!state_dir.empty()) ::unlink((state_dir + "/" + kCrashRecordName).c_str());
}

}  // namespace pe::host
