// crash_record.cpp — the fatal-signal and exit hooks (async-signal-safe:
// only write, openat, fsync, renameat, close, raise) and the record's reader.
#include "plugin/crash_record.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <fstream>

#include "plugin/plugin_call_scope.hpp"

namespace pe::host {
namespace {

constexpr const char* kRecordName = "crash-record";
constexpr const char* kTempName = "crash-record.tmp";

struct FatalSignal {
  int number;
  const char* name;
};
constexpr FatalSignal kSignals[] = {
    {SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"}, {SIGILL, "SIGILL"},
    {SIGFPE, "SIGFPE"},   {SIGABRT, "SIGABRT"},
};

int g_state_dir_fd = -1;  // opened once at install; read by the handlers
struct sigaction g_previous[std::size(kSignals)];  // handlers before ours (sanitizers')

// A fixed buffer filled without allocation (signal handler context).
struct LineBuffer {
  char data[2048];
  std::size_t len = 0;

  void add(const char* s) {
    while (s && *s && len < sizeof data) data[len++] = *s++;
  }
  // Collector names are [A-Za-z0-9_.-]; plugin names come from the plugin:
  // anything but printable ASCII is replaced so the line stays one line.
  void add_clean(const char* s) {
    while (s && *s && len < sizeof data) {
      char c = *s++;
      data[len++] = (c >= 0x21 && c <= 0x7e && c != '"' && c != '\\') ? c : '_';
    }
  }
  void add_int(long v) {
    char digits[24];
    int n = 0;
    unsigned long u = v < 0 ? 0UL - static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
    do {
      digits[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u && n < 24);
    if (v < 0) add("-");
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

// `what` for the record; one stderr line and, with a state directory, the
// record file (written aside, synced, renamed into place).
void record(const PluginCallSite& call, const LineBuffer& what) {
  LineBuffer line;
  line.add("level=error msg=\"a plugin brought the exporter down; the collector is quarantined "
           "at the next start when state_dir is set\" what=\"");
  for (std::size_t i = 0; i < what.len && line.len < sizeof line.data; ++i)
    line.data[line.len++] = what.data[i];
  line.add("\" collector=");
  line.add_clean(call.collector);
  line.add(" plugin=");
  line.add_clean(call.plugin);
  line.add(" call=");
  line.add_clean(call.entry);
  line.add("\n");
  write_all(STDERR_FILENO, line.data, line.len);
  if (g_state_dir_fd < 0) return;
  LineBuffer file;
  file.add("collector=");
  file.add_clean(call.collector);
  file.add("\nplugin=");
  file.add_clean(call.plugin);
  file.add("\nfingerprint=");
  file.add_clean(call.fingerprint);
  file.add("\ncall=");
  file.add_clean(call.entry);
  file.add("\nwhat=");
  for (std::size_t i = 0; i < what.len && file.len < sizeof file.data; ++i)
    file.data[file.len++] = what.data[i];
  file.add("\n");
  int fd = ::openat(g_state_dir_fd, kTempName, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  write_all(fd, file.data, file.len);
  ::fsync(fd);
  ::close(fd);
  ::renameat(g_state_dir_fd, kTempName, g_state_dir_fd, kRecordName);
  ::fsync(g_state_dir_fd);
}

void on_fatal_signal(int sig, siginfo_t*, void*) {
  const int saved_errno = errno;
  if (const PluginCallSite* call = current_plugin_call()) {
    LineBuffer what;
    what.add("signal ");
    what.add_int(sig);
    what.add(" (");
    what.add(signal_name(sig));
    what.add(")");
    record(*call, what);
  }
  errno = saved_errno;
  // Whatever handled it before us (the default action, or a sanitizer's
  // report) handles it now: the process dies of the same signal.
  for (std::size_t i = 0; i < std::size(kSignals); ++i)
    if (kSignals[i].number == sig) ::sigaction(sig, &g_previous[i], nullptr);
  ::raise(sig);
}

void on_exit() {
  if (const PluginCallSite* call = current_plugin_call()) {
    LineBuffer what;
    what.add("exit() called by the plugin");
    record(*call, what);
  }
}

}  // namespace

void install_crash_recorder(const std::string& state_dir) {
  static bool installed = false;
  if (!state_dir.empty()) {
    int fd = ::open(state_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      if (g_state_dir_fd >= 0) ::close(g_state_dir_fd);
      g_state_dir_fd = fd;
    }
  }
  if (installed) return;
  installed = true;
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
    struct sigaction sa {};
    sa.sa_sigaction = on_fatal_signal;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    ::sigaction(kSignals[i].number, &sa, &g_previous[i]);
  }
  std::atexit(on_exit);
}

std::optional<CrashRecord> take_crash_record(const std::string& state_dir, std::string& error) {
  if (state_dir.empty()) return std::nullopt;
  const std::string path = state_dir + "/" + kRecordName;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  std::ifstream in(path);
  CrashRecord r;
  r.unix_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "collector") r.collector = value;
    if (key == "plugin") r.plugin = value;
    if (key == "fingerprint") r.fingerprint = value;
    if (key == "call") r.entry = value;
    if (key == "what") r.what = value;
  }
  ::unlink(path.c_str());
  if (r.collector.empty()) {
    error = path + " names no collector";
    return std::nullopt;
  }
  return r;
}

}  // namespace pe::host
