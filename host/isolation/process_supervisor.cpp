// process_supervisor.cpp — spawning, the proxy descriptor, config answers,
// batch replay, death reasons, restarts and recycling.
#include "isolation/process_supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <optional>

#include "base/logging.hpp"
#include "isolation/collector_runner.hpp"
#include "isolation/frame_stream.hpp"
#include "isolation/reply_decoder.hpp"
#include "isolation/runner_protocol.hpp"
#include "isolation/shared_ring.hpp"
#include "plugin/collector_context.hpp"
#include "plugin/host_api.hpp"

extern char** environ;

namespace pe::host::isolation {

struct ProcessSupervisor::Pending {
  bool done = false;
  bool abandoned = false;  // the caller stopped waiting; a late answer is dropped
  bool collect = false;    // a collect (else an HTTP request or destroy)
  bool uses_ring = false;  // a collect whose parts come through the child's ring
  // A collect's parts (records after the id), queued by the reader for the
  // caller to replay; the reader waits while kMaxQueuedPartBytes are queued.
  std::deque<std::string> parts;
  std::size_t queued_bytes = 0;
  std::string payload;
};

struct ProcessSupervisor::Child {
  pid_t pid = -1;
  int fd = -1;
  std::optional<FrameStream> in;  // read by one thread at a time: launch, create, then the reader
  std::unique_ptr<SharedRing> ring;  // null when the system gave none: parts via the socket
  std::mutex write_mu;
  // Under the supervisor's mu_:
  bool dead = false;
  bool expected_exit = false;  // destroy or recycling: not a crash
  std::string kill_reason, kill_label;
  std::string death_reason;
  std::map<uint64_t, Pending> pending;
  bool ring_busy = false;  // a collect has the ring (one at a time)
  uint64_t collects = 0;
  ~Child() {
    if (fd >= 0) ::close(fd);
  }
};

// One collect's replay into its sink, on the collect's own thread: parts
// queued from the socket and parts read from the ring.
struct ProcessSupervisor::CollectReplay {
  CollectReplay(pe_sink& s, uint64_t call_id) : sink(s), id(call_id) {}
  pe_sink& sink;
  const uint64_t id;
  ReplayedLabelNames names;
  SharedRing* ring = nullptr;
  std::string ring_bytes;  // taken from the ring; [ring_at, end) is not a whole frame yet
  std::size_t ring_at = 0;
  bool flowing = false;  // a part came

  // A part the reader queued (its payload after the id).
  bool replay(std::string_view part) {
    flowing = true;
    return replay_collect_part(part, sink, names);
  }
  // Replays the whole collect_part frames the ring holds; false when the
  // child wrote anything else there.
  bool drain_ring() {
    if (!ring->take(ring_bytes)) return false;
    flowing = flowing || !ring_bytes.empty();
    if (!replay_part_frames(ring_bytes, ring_at, id, sink, names)) return false;
    if (ring_at == ring_bytes.size()) {
      ring_bytes.clear();  // capacity kept for the next part
      ring_at = 0;
    } else if (ring_at >= ring_bytes.size() / 2) {  // the start of a frame: keep only it
      ring_bytes.erase(0, ring_at);
      ring_at = 0;
    }
    return true;
  }
  bool ring_drained() const noexcept { return ring_at == ring_bytes.size(); }
};

namespace {

constexpr int kChildFd = 3;                   // the socket; the ring is kChildFd + 1
constexpr int64_t kStartTimeoutSeconds = 30;  // hello and create
constexpr int64_t kHttpTimeoutNs = 30'000'000'000;
constexpr const char* kMalformedBatch = "malformed collect batch";
// What a child may have queued for its collecting thread: beyond it, the
// reader stops reading the socket until the collect catches up.
constexpr std::size_t kMaxQueuedPartBytes = 4u << 20;
// How long a collect's thread polls the ring for the next part before it
// sleeps, once parts flow: about two parts' worth of a fast plugin. Before
// the first it sleeps at once: the child's thread that reads the request
// is often woken on this thread's CPU, and a poll there would only hold
// it up (10-sample collects took 0.17-0.21 ms with it, 0.15-0.18 without
// the ring).
constexpr int64_t kRingSpinNs = 100'000;

std::mutex g_hook_mu;
QuarantineHook g_hook;

// PR_SET_PDEATHSIG fires when the parent *thread* ends: children are
// spawned from one thread that lives as long as the process.
class SpawnThread {
 public:
  static SpawnThread& get() {
    static SpawnThread* s = new SpawnThread();  // never destroyed: lives until exit
    return *s;
  }
  void run(std::function<void()> task) {
    std::packaged_task<void()> t(std::move(task));
    auto done = t.get_future();
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(t));
    }
    cv_.notify_one();
    done.wait();
  }

 private:
  SpawnThread() {
    std::thread([this] {
      for (;;) {
        std::packaged_task<void()> t;
        {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [this] { return !queue_.empty(); });
          t = std::move(queue_.front());
          queue_.pop_front();
        }
        t();
      }
    }).detach();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<void()>> queue_;
};

void set_receive_timeout(int fd, int64_t seconds) {
  timeval tv{};
  tv.tv_sec = seconds;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

std::string signal_label(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

LogLevel to_level(int32_t l) {
  switch (l) {
    case PE_LOG_ERROR:
      return LogLevel::error;
    case PE_LOG_WARN:
      return LogLevel::warn;
    case PE_LOG_INFO:
      return LogLevel::info;
    default:
      return LogLevel::debug;
  }
}

int32_t host_log_level() {
  for (int32_t l = PE_LOG_DEBUG; l > PE_LOG_ERROR; --l)
    if (log_enabled(to_level(l))) return l;
  return PE_LOG_ERROR;
}

uint64_t resident_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/statm");
  uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// The proxy descriptor's entry points: the instance is the supervisor.
ProcessSupervisor* sup(pe_instance* i) {
  return reinterpret_cast<ProcessSupervisor*>(i);
}

pe_status proxy_create(const pe_create_params* params, pe_instance** out) {
  auto* s = static_cast<ProcessSupervisor*>(params->host->proxy);
  if (!s) return PE_ERROR;
  pe_status st = s->create(*params);
  if (st == PE_OK) *out = reinterpret_cast<pe_instance*>(s);
  return st;
}

pe_status proxy_collect(pe_instance* i, const pe_collect_request* request, pe_sink* sink) {
  return sup(i)->collect(*request, sink);
}

void proxy_destroy(pe_instance* i) {
  sup(i)->destroy();
}

pe_status proxy_handle_http(pe_instance* i, const pe_http_request* request,
                            pe_http_response* response) {
  return sup(i)->handle_http(*request, response);
}

// Supervisors with a created instance, for the metrics.
std::mutex g_live_mu;
std::vector<ProcessSupervisor*> g_live;

void unlist(ProcessSupervisor* s) {
  std::lock_guard lock(g_live_mu);
  g_live.erase(std::remove(g_live.begin(), g_live.end(), s), g_live.end());
}

}  // namespace

void export_isolation_metrics(MetricSet& set) {
  std::lock_guard lock(g_live_mu);
  if (g_live.empty()) return;
  std::vector<std::pair<const ProcessSupervisor*, ProcessFigures>> all;
  for (const ProcessSupervisor* s : g_live) all.emplace_back(s, s->figures());
  constexpr std::string_view kUp = "plugin_exporter_collector_process_up";
  constexpr std::string_view kRestarts = "plugin_exporter_collector_process_restarts_total";
  constexpr std::string_view kRss = "plugin_exporter_collector_process_resident_memory_bytes";
  set.add_family(kUp, MetricType::gauge,
                 "1 when the plugin process of an isolated collector (isolation = \"process\") "
                 "is running.",
                 true);
  for (const auto& [s, f] : all) {
    Label labels[] = {{"collector", set.intern(s->collector())},
                      {"plugin", set.intern(s->plugin_name())}};
    set.add_sample(kUp, labels, f.up ? 1.0 : 0.0);
  }
  set.add_family(kRestarts, MetricType::counter,
                 "Restarts of an isolated collector's plugin process, by the reason the previous "
                 "one ended: a signal name, exit, deadline, protocol or recycled.",
                 true);
  for (const auto& [s, f] : all) {
    for (const auto& [reason, n] : f.restarts) {
      Label labels[] = {{"collector", set.intern(s->collector())},
                        {"plugin", set.intern(s->plugin_name())},
                        {"reason", set.intern(reason)}};
      set.add_sample(kRestarts, labels, static_cast<double>(n));
    }
  }
  set.add_family(kRss, MetricType::gauge,
                 "Resident memory of an isolated collector's plugin process (0 when none runs).",
                 true);
  for (const auto& [s, f] : all) {
    Label labels[] = {{"collector", set.intern(s->collector())},
                      {"plugin", set.intern(s->plugin_name())}};
    set.add_sample(kRss, labels, static_cast<double>(f.resident_bytes));
  }
}

void set_quarantine_hook(QuarantineHook hook) {
  std::lock_guard lock(g_hook_mu);
  g_hook = std::move(hook);
}

ProcessSupervisor::ProcessSupervisor(IsolationSettings settings, std::function<int64_t()> clock)
    : settings_(std::move(settings)),
      clock_(clock ? std::move(clock) : std::function<int64_t()>(monotonic_now_ns)) {}

std::shared_ptr<ProcessSupervisor> ProcessSupervisor::start(IsolationSettings settings,
                                                            std::string& error,
                                                            std::function<int64_t()> clock) {
  std::shared_ptr<ProcessSupervisor> s(
      new ProcessSupervisor(std::move(settings), std::move(clock)));
  auto c = s->launch(error);
  if (!c) return nullptr;
  s->child_ = std::move(c);
  s->descriptor_.struct_size = sizeof(pe_plugin_descriptor);
  s->descriptor_.abi_major = PE_ABI_MAJOR;
  s->descriptor_.abi_minor = PE_ABI_MINOR;
  s->descriptor_.name = s->name_.c_str();
  s->descriptor_.version = s->version_.c_str();
  s->descriptor_.description = s->description_.c_str();
  s->descriptor_.create = proxy_create;
  s->descriptor_.collect = proxy_collect;
  s->descriptor_.destroy = proxy_destroy;
  if (s->descriptor_.capabilities & PE_CAP_HTTP_ROUTES)
    s->descriptor_.handle_http = proxy_handle_http;
  return s;
}

ProcessSupervisor::~ProcessSupervisor() {
  unlist(this);
  std::vector<std::thread> readers;
  {
    std::lock_guard lock(mu_);
    destroyed_ = true;
    if (child_ && !child_->dead) {
      child_->expected_exit = true;
      ::kill(child_->pid, SIGKILL);
      ::shutdown(child_->fd, SHUT_RDWR);  // its reader ends even if a grandchild holds the socket
    }
    readers.swap(readers_);
  }
  for (auto& t : readers) t.join();
}

std::shared_ptr<ProcessSupervisor::Child> ProcessSupervisor::launch(std::string& error) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    error = std::string("cannot create a socket pair: ") + std::strerror(errno);
    return nullptr;
  }
  // Above the numbers they get in the child: dup2 onto itself would keep
  // close-on-exec, and one must not land on the other.
  int child_end = fcntl(sv[1], F_DUPFD_CLOEXEC, kChildFd + 2);
  ::close(sv[1]);
  std::string ring_error;
  std::unique_ptr<SharedRing> ring = SharedRing::create(ring_error);
  int ring_fd = -1;
  if (ring) {
    ring_fd = fcntl(ring->fd(), F_DUPFD_CLOEXEC, kChildFd + 2);
  } else {
    log(LogLevel::warn,
        "no shared ring for the plugin process (its collects use the socket): " + ring_error,
        {{"collector", settings_.collector}});
  }
  const std::string fd_arg = std::to_string(kChildFd), pid_arg = std::to_string(getpid()),
                    mem_arg = std::to_string(settings_.memory_limit);
  std::vector<std::string> args{"plugin_exporter",     kRunnerFlag, fd_arg,
                                settings_.plugin_path, pid_arg,     mem_arg};
  if (!settings_.user.empty()) args.push_back(settings_.user);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = 0;
  SpawnThread::get().run([&] {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, child_end, kChildFd);
    if (ring_fd >= 0) posix_spawn_file_actions_adddup2(&fa, ring_fd, kChildFd + 1);
    rc = posix_spawn(&pid, settings_.runner_exe.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
  });
  ::close(child_end);
  if (ring_fd >= 0) ::close(ring_fd);
  if (rc != 0) {
    ::close(sv[0]);
    error = "cannot start the plugin process: " + std::string(std::strerror(rc));
    return nullptr;
  }
  auto c = std::make_shared<Child>();
  c->pid = pid;
  c->fd = sv[0];
  c->ring = std::move(ring);
  c->in.emplace(c->fd);
  set_receive_timeout(c->fd, kStartTimeoutSeconds);
  FrameType type{};
  std::string_view payload;
  std::string why;
  auto fail = [&](const std::string& message) {
    ::kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    error = message;
    return nullptr;
  };
  if (!c->in->next(type, payload, why) || type != FrameType::hello)
    return fail("plugin process for " + settings_.plugin_path + " did not start" +
                (why.empty() ? "" : ": " + why));
  FrameReader r(payload.data(), payload.size());
  if (r.u8() != 1) {
    std::string message(r.str());
    return fail(r.failed() ? "plugin process sent a malformed hello" : message);
  }
  std::string name(r.str()), version(r.str()), description(r.str());
  const uint64_t caps = r.u64();
  if (r.failed() || name.empty()) return fail("plugin process sent a malformed hello");
  if (name_.empty()) {  // the first child names the plugin for good
    name_ = name;
    version_ = version;
    description_ = description;
    descriptor_.capabilities = caps;
  }
  return c;
}

bool ProcessSupervisor::send(Child& c, std::string_view frame) {
  std::lock_guard lock(c.write_mu);
  if (!c.ring) return write_all(c.fd, frame.data(), frame.size());
  // The child sleeps on the ring's doorbell, not in read(): it is rung after
  // each piece that reaches the socket (a large frame takes several).
  while (!frame.empty()) {
    const ssize_t w = ::send(c.fd, frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w > 0) {
      frame.remove_prefix(static_cast<std::size_t>(w));
      c.ring->ring_doorbell();
    } else if (w < 0 && errno == EAGAIN) {
      pollfd p{c.fd, POLLOUT, 0};
      ::poll(&p, 1, -1);
    } else if (w < 0 && errno != EINTR) {
      return false;
    }
  }
  return true;
}

bool ProcessSupervisor::answer_config(Child& c, std::string_view request,
                                      const pe_create_params* real, std::string& error) {
  auto memo = config_memo_.find(std::string(request));
  std::string reply_frame;
  if (memo != config_memo_.end()) {
    reply_frame = memo->second;
  } else {
    FrameReader r(request.data(), request.size());
    const auto op = static_cast<ConfigOp>(r.u8());
    const uint32_t id = r.u32();
    const std::string key(r.str());
    const uint64_t index = r.u64();
    r.u64();  // the plugin's buffer size (secrets): answered with the whole value
    const std::string message(r.str());
    if (r.failed() || id > nodes_.size() + (real ? 0 : 1u << 30)) {
      error = "malformed config call";
      return false;
    }
    pe_status status = PE_NOT_FOUND;
    int32_t kind = PE_CONFIG_NONE;
    uint32_t node = 0;
    uint64_t size = 0;
    std::string text;
    int64_t integer = 0;
    double floating = 0;
    if (real) {
      const pe_host_api* api = real->api;
      const pe_config* n = id == 0 ? nullptr : nodes_[id - 1];
      auto intern = [&](const pe_config* got) -> uint32_t {
        if (!got) return 0;
        nodes_.push_back(got);
        return static_cast<uint32_t>(nodes_.size());
      };
      status = PE_OK;
      switch (op) {
        case ConfigOp::kind:
          kind = api->config_kind(n);
          break;
        case ConfigOp::get:
          node = intern(api->config_get(n, key.c_str()));
          break;
        case ConfigOp::size:
          size = api->config_size(n);
          break;
        case ConfigOp::at:
          node = intern(api->config_at(n, index));
          break;
        case ConfigOp::key_at:
          if (const char* k = api->config_key_at(n, index))
            text = k;
          else
            status = PE_NOT_FOUND;
          break;
        case ConfigOp::string: {
          const char* s = nullptr;
          size_t len = 0;
          status = api->config_string(n, &s, &len);
          if (status == PE_OK && s) text.assign(s, len);
          break;
        }
        case ConfigOp::integer:
          status = api->config_int(n, &integer);
          break;
        case ConfigOp::floating:
          status = api->config_double(n, &floating);
          break;
        case ConfigOp::boolean: {
          int32_t b = 0;
          status = api->config_bool(n, &b);
          integer = b;
          break;
        }
        case ConfigOp::duration:
          status = api->config_duration(n, &integer);
          break;
        case ConfigOp::secret: {
          std::string buf(256, '\0');
          size_t len = 0;
          status = api->config_secret(n, key.c_str(), buf.data(), buf.size(), &len);
          if (status == PE_LIMIT_EXCEEDED) {
            buf.assign(len + 1, '\0');
            status = api->config_secret(n, key.c_str(), buf.data(), buf.size(), &len);
          }
          if (status == PE_OK) text.assign(buf.data(), len);
          break;
        }
        case ConfigOp::error:
          api->config_error(real->host, n, message.c_str());
          break;
        default:
          error = "unknown config call " + std::to_string(static_cast<int>(op));
          return false;
      }
    }
    FrameWriter w(FrameType::config_reply);
    w.i32(status);
    w.i32(kind);
    w.u32(node);
    w.u64(size);
    w.str(text);
    w.i64(integer);
    w.f64(floating);
    reply_frame = std::string(w.finish());
    // Remembered for a restarted child (an error is not repeated then).
    if (real && op != ConfigOp::error) config_memo_.emplace(std::string(request), reply_frame);
  }
  if (!send(c, reply_frame)) {
    error = "plugin process closed its socket during create";
    return false;
  }
  return true;
}

pe_status ProcessSupervisor::run_create(Child& c, const pe_create_params* real,
                                        std::string& error) {
  FrameWriter w(FrameType::create);
  w.str(collector_name_);
  w.str(state_dir_);
  w.u8(has_state_dir_ ? 1 : 0);
  w.i32(check_only_);
  w.i32(host_log_level());
  if (!send(c, w.finish())) {
    error = "plugin process closed its socket before create";
    return PE_ERROR;
  }
  for (;;) {
    FrameType type{};
    std::string_view payload;
    std::string why;
    if (!c.in->next(type, payload, why)) {
      error = "plugin process ended during create" + (why.empty() ? "" : ": " + why);
      return PE_ERROR;
    }
    FrameReader r(payload.data(), payload.size());
    switch (type) {
      case FrameType::config_call:
        if (!answer_config(c, payload, real, error)) return PE_ERROR;
        break;
      case FrameType::route: {
        pe_route route{};
        route.struct_size = sizeof route;
        route.method = r.opt_str();
        route.path_prefix = r.opt_str();
        route.role = r.opt_str();
        route.max_body_bytes = r.u64();
        if (r.failed()) {
          error = "malformed route";
          return PE_ERROR;
        }
        if (real) real->api->register_route(real->host, &route);  // a restart keeps them
        break;
      }
      case FrameType::log: {
        const int32_t level = r.i32();
        std::string_view message = r.str();
        if (!r.failed())
          log(to_level(level), message, {{"collector", settings_.collector}, {"plugin", name_}});
        break;
      }
      case FrameType::create_done: {
        const pe_status st = r.i32();
        if (r.failed()) {
          error = "malformed create answer";
          return PE_ERROR;
        }
        return st;
      }
      default:
        error = "unexpected frame " + std::to_string(static_cast<int>(type)) + " during create";
        return PE_ERROR;
    }
  }
}

pe_status ProcessSupervisor::create(const pe_create_params& params) {
  std::shared_ptr<Child> c;
  {
    std::lock_guard lock(mu_);
    c = child_;
  }
  if (!c) return PE_ERROR;
  collector_name_ = params.collector_name ? params.collector_name : "";
  has_state_dir_ = params.state_dir != nullptr;
  state_dir_ = params.state_dir ? params.state_dir : "";
  check_only_ = params.check_only;
  nodes_.assign(1, params.config);  // id 1: the plugin table (the child's params->config)
  std::string error;
  pe_status st = run_create(*c, &params, error);
  nodes_.clear();  // the real nodes are valid only during this create
  if (!error.empty()) {
    log(LogLevel::error, "plugin process failed during create",
        {{"collector", settings_.collector}, {"plugin", name_}, {"error", error}});
  }
  if (st != PE_OK) {
    // No reader runs for this child: end and reap it here.
    ::kill(c->pid, SIGKILL);
    int status = 0;
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::lock_guard lock(mu_);
    c->dead = true;
    c->death_reason = "create failed";
    return st;
  }
  set_receive_timeout(c->fd, 0);
  {
    std::lock_guard lock(mu_);
    created_ = true;
    policy_.started(clock_());
    readers_.emplace_back([this, c] { reader_loop(c); });
  }
  if (!check_only_) {
    std::lock_guard lock(g_live_mu);
    g_live.push_back(this);
  }
  return PE_OK;
}

bool ProcessSupervisor::ensure_child(std::shared_ptr<Child>& out, std::string& why) {
  std::lock_guard restart(restart_mu_);
  int64_t now;
  {
    std::unique_lock lock(mu_);
    if (child_ && !child_->dead && child_->expected_exit && !destroyed_) {
      // Being recycled: its destroy runs; wait until it ends, then replace it.
      auto retiring = child_;
      if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return retiring->dead; }))
        ::kill(retiring->pid, SIGKILL);  // not reaped while !dead
      cv_.wait(lock, [&] { return retiring->dead; });
    }
    if (child_ && !child_->dead) {
      out = child_;
      return true;
    }
    if (destroyed_ || !created_) {
      why = "plugin process is stopped";
      return false;
    }
    if (policy_.quarantined()) {
      why =
          "collector quarantined after repeated plugin process deaths; last: " + last_death_reason_;
      return false;
    }
    now = clock_();
    if (now < policy_.restart_at_ns()) {
      const int64_t secs =
          (policy_.restart_at_ns() - now + RestartPolicy::kSecond - 1) / RestartPolicy::kSecond;
      why =
          "plugin process restarting in " + std::to_string(secs) + "s after " + last_death_reason_;
      return false;
    }
  }
  std::string error;
  auto c = launch(error);
  if (c) {
    pe_status st = run_create(*c, nullptr, error);
    if (st != PE_OK) {
      if (error.empty()) error = "create failed on restart (status " + std::to_string(st) + ")";
      ::kill(c->pid, SIGKILL);
      int status = 0;
      waitpid(c->pid, &status, 0);
      c.reset();
    }
  }
  std::lock_guard lock(mu_);
  if (!c) {
    // A failed start counts as a death: it backs off like one.
    last_death_reason_ = "plugin process failed to restart: " + error;
    log(LogLevel::error, last_death_reason_,
        {{"collector", settings_.collector}, {"plugin", name_}});
    policy_.died(clock_());
    why = last_death_reason_;
    return false;
  }
  set_receive_timeout(c->fd, 0);
  if (!restart_label_.empty()) ++restarts_[restart_label_];
  restart_label_.clear();
  log(LogLevel::info, "plugin process restarted",
      {{"collector", settings_.collector},
       {"plugin", name_},
       {"pid", std::to_string(c->pid)},
       {"after", last_death_reason_}});
  child_ = c;
  policy_.started(now);
  readers_.emplace_back([this, c] { reader_loop(c); });
  out = c;
  return true;
}

void ProcessSupervisor::reader_loop(std::shared_ptr<Child> c) {
  FrameType type{};
  std::string_view payload;
  std::string error;
  while (c->in->next(type, payload, error)) {
    if (!on_frame(*c, static_cast<uint8_t>(type), payload)) {
      error = "unexpected or malformed frame (type " + std::to_string(static_cast<int>(type)) + ")";
      break;
    }
  }
  if (!error.empty()) kill_child(*c, "protocol error: " + error, "protocol");
  ::kill(c->pid, SIGKILL);  // closed its end: make sure it is gone (a zombie is unaffected)
  // Waited for without reaping first: until dead is set (under mu_), the pid
  // cannot be reused, so other threads may still signal it safely.
  siginfo_t info{};
  while (waitid(P_PID, static_cast<id_t>(c->pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  int status = 0;
  if (info.si_code == CLD_EXITED)
    status = (info.si_status & 0xff) << 8;
  else
    status = info.si_status & 0x7f;  // killed or dumped: the signal
  child_exited(*c, status);          // sets dead
  while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR) {
  }
}

bool ProcessSupervisor::on_frame(Child& c, uint8_t type, std::string_view payload) {
  FrameReader r(payload.data(), payload.size());
  switch (static_cast<FrameType>(type)) {
    case FrameType::log: {
      const int32_t level = r.i32();
      std::string_view message = r.str();
      if (r.failed()) return false;
      log(to_level(level), message, {{"collector", settings_.collector}, {"plugin", name_}});
      return true;
    }
    case FrameType::collect_part:
      return queue_part(c, payload);
    case FrameType::collect_done:
    case FrameType::http_done:
    case FrameType::destroy_done: {
      const uint64_t id = static_cast<FrameType>(type) == FrameType::destroy_done ? 0 : r.u64();
      if (r.failed()) return false;
      std::lock_guard lock(mu_);
      auto it = c.pending.find(id);
      if (it == c.pending.end()) return false;  // an id we never sent
      if (it->second.abandoned) {
        c.pending.erase(it);
        return true;
      }
      it->second.done = true;
      it->second.payload = payload;
      if (it->second.uses_ring) c.ring->wake_consumer();
      cv_.notify_all();
      return true;
    }
    default:
      return false;
  }
}

bool ProcessSupervisor::queue_part(Child& c, std::string_view payload) {
  FrameReader r(payload.data(), payload.size());
  const uint64_t id = r.u64();
  if (r.failed()) return false;
  std::unique_lock lock(mu_);
  auto it = c.pending.end();
  cv_.wait(lock, [&] {
    it = c.pending.find(id);  // kept while not done: only the reader erases a live call
    return it == c.pending.end() || it->second.abandoned ||
           it->second.queued_bytes < kMaxQueuedPartBytes;
  });
  if (it == c.pending.end() || !it->second.collect || it->second.done) return false;
  if (it->second.abandoned) return true;  // the caller gave up: dropped
  Pending& p = it->second;
  p.parts.emplace_back(payload.substr(sizeof id));
  p.queued_bytes += p.parts.back().size();
  if (p.uses_ring) c.ring->wake_consumer();
  cv_.notify_all();
  return true;
}

void ProcessSupervisor::kill_child(Child& c, const std::string& reason, const std::string& label) {
  {
    std::lock_guard lock(mu_);
    if (c.dead) return;
    if (c.kill_reason.empty()) {
      c.kill_reason = reason;
      c.kill_label = label;
    }
    ::kill(c.pid, SIGKILL);  // not reaped while !dead
  }
}

void ProcessSupervisor::child_exited(Child& c, int wait_status) {
  QuarantineHook hook;
  std::string label;
  {
    std::lock_guard lock(mu_);
    c.dead = true;
    const char* during = "";
    for (auto& [id, p] : c.pending)
      if (!p.done && !p.abandoned) during = p.collect ? " during collect" : " during a call";
    std::string reason;
    if (!c.kill_reason.empty()) {
      reason = "plugin process killed: " + c.kill_reason;
      label = c.kill_label;
    } else if (WIFSIGNALED(wait_status)) {
      const int sig = WTERMSIG(wait_status);
      label = signal_label(sig);
      reason = "plugin process killed by signal " + std::to_string(sig) + " (" + label + ")";
    } else {
      const int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
      label = "exit";
      reason = "plugin process exited with status " + std::to_string(code) + during;
    }
    c.death_reason = reason;
    if (c.ring) c.ring->wake_consumer();
    cv_.notify_all();
    if (c.expected_exit || destroyed_) {
      if (label == "recycled") restart_label_ = "recycled";
      return;
    }
    last_death_reason_ = reason;
    last_death_label_ = label;
    restart_label_ = label;
    const bool quarantine = policy_.died(clock_());
    log(LogLevel::error, reason,
        {{"collector", settings_.collector},
         {"plugin", name_},
         {"pid", std::to_string(c.pid)},
         {"next_start_in_s", std::to_string(policy_.last_delay_ns() / RestartPolicy::kSecond)}});
    if (!quarantine || quarantine_reported_) return;
    quarantine_reported_ = true;
    log(LogLevel::error,
        "collector " + settings_.collector + " (plugin " + name_ +
            ") quarantined after repeated plugin process deaths; quarantined until its "
            "configuration changes or POST /-/quarantine/clear",
        {{"collector", settings_.collector}, {"plugin", name_}, {"last", reason}});
    std::lock_guard hook_lock(g_hook_mu);
    hook = g_hook;
  }
  if (hook) hook(settings_.collector, name_, settings_.fingerprint, label);
}

bool ProcessSupervisor::wait_reply(Child& c, uint64_t id, int64_t until_ns, std::string& payload,
                                   std::string& why, bool& timed_out, CollectReplay* replay) {
  using clock = std::chrono::steady_clock;
  std::unique_lock lock(mu_);
  auto until = clock::time_point(std::chrono::nanoseconds(until_ns));
  // Gives up on the call: the reader drops what still comes for it.
  auto abandon = [&] {
    c.pending[id].abandoned = true;
    cv_.notify_all();  // a reader waiting for room in the queue
    return false;
  };
  // Replays what the ring holds and what the reader queued (unlocked). The
  // queue is taken first: a part in it was sent after every part the child
  // wrote into the ring before it, so the ring, read after, holds them.
  SharedRing* const ring = replay ? replay->ring : nullptr;  // this collect's parts come there
  std::deque<std::string> parts;
  auto replay_arrived = [&](Pending& p) {
    parts.swap(p.parts);
    p.queued_bytes = 0;
    if (!parts.empty()) cv_.notify_all();  // room for the reader
    lock.unlock();
    bool ok = !ring || replay->drain_ring();
    for (const std::string& part : parts) ok = ok && replay && replay->replay(part);
    parts.clear();
    lock.lock();
    return ok;
  };
  for (;;) {
    const uint32_t ticket = ring ? ring->wake_ticket() : 0;
    Pending& p = c.pending[id];
    // Parts before done: collect_done follows the last part, and the ring
    // holds all of a collect's parts before the child sends it.
    const bool done = p.done;
    if ((!p.parts.empty() || ring) && !replay_arrived(p)) {
      why = kMalformedBatch;
      return abandon();
    }
    if (done) {
      if (ring && !replay->ring_drained()) {
        why = kMalformedBatch;  // a frame cut short
        return abandon();
      }
      payload = std::move(p.payload);
      c.pending.erase(id);
      return true;
    }
    if (c.dead) {
      why = c.death_reason;
      c.pending.erase(id);
      return false;
    }
    bool expired;
    if (ring) {  // polled, then a futex in the ring
      const auto left = until - clock::now();
      expired = left <= clock::duration::zero();
      if (!expired) {
        lock.unlock();
        ring->wait(ticket, replay->flowing ? kRingSpinNs : 0,
                   std::min<int64_t>(left.count(), 100'000'000));
        lock.lock();
      }
    } else {
      expired = cv_.wait_until(lock, until) == std::cv_status::timeout;
    }
    if (expired) {
      if (timed_out) {  // killed, and still no EOF (something else holds the socket)
        why = "plugin process did not end after it was killed";
        return abandon();
      }
      timed_out = true;
      lock.unlock();
      kill_child(c, "deadline exceeded", "deadline");
      lock.lock();
      until = clock::now() + std::chrono::seconds(5);
    }
  }
}

pe_status ProcessSupervisor::collect(const pe_collect_request& request, pe_sink* sink) {
  const pe_host_api* api = host_api();
  std::shared_ptr<Child> c;
  std::string why;
  if (!ensure_child(c, why)) {
    api->sink_error(sink, why.c_str());
    return PE_ERROR;
  }
  uint64_t id;
  bool use_ring;
  {
    std::lock_guard lock(mu_);
    id = ++next_id_;
    use_ring = c->ring && !c->ring_busy;
    c->ring_busy = c->ring_busy || use_ring;
    c->pending[id].collect = true;
    c->pending[id].uses_ring = use_ring;
  }
  CollectReplay replay(*sink, id);
  if (use_ring) replay.ring = c->ring.get();
  FrameWriter w(FrameType::collect);
  w.u64(id);
  w.i64(request.deadline_monotonic_ns);
  w.u32(static_cast<uint32_t>(request.param_count));
  for (size_t i = 0; i < request.param_count; ++i) {
    w.str(request.params[i].name ? request.params[i].name : "");
    w.str(request.params[i].value ? request.params[i].value : "");
  }
  w.u8(use_ring ? 1 : 0);
  send(*c, w.finish());  // a failed write shows as the child's death below
  std::string payload;
  bool timed_out = false;
  // Parts are replayed into the real sink here as they arrive, while the
  // child fills the next one.
  const bool answered = wait_reply(*c, id, request.deadline_monotonic_ns + kDeadlineGraceNs,
                                   payload, why, timed_out, &replay);
  if (use_ring && answered) {  // else the child is on its way out, and its ring with it
    std::lock_guard lock(mu_);
    c->ring_busy = false;
  }
  if (!answered) {
    if (why == kMalformedBatch) {
      kill_child(*c, "protocol error: malformed collect batch", "protocol");
      api->sink_error(sink, "plugin process sent a malformed collect batch; killed");
      return PE_ERROR;
    }
    api->sink_error(sink, why.c_str());
    return timed_out ? PE_TIMEOUT : PE_ERROR;
  }
  // Every record came in a part: collect_done holds the status alone.
  FrameReader r(payload.data(), payload.size());
  r.u64();  // id
  const pe_status status = r.i32();
  if (r.failed() || !r.at_end()) {
    kill_child(*c, "protocol error: malformed collect batch", "protocol");
    api->sink_error(sink, "plugin process sent a malformed collect batch; killed");
    return PE_ERROR;
  }
  {
    std::lock_guard lock(mu_);
    if (status == PE_OK) policy_.succeeded();
    ++c->collects;
  }
  maybe_recycle(c);
  return status;
}

void ProcessSupervisor::maybe_recycle(const std::shared_ptr<Child>& c) {
  std::string why;
  {
    std::lock_guard lock(mu_);
    if (c->dead || !c->pending.empty()) return;  // another call is running: not now
    if (settings_.max_collects && c->collects >= settings_.max_collects)
      why = "recycled after " + std::to_string(c->collects) + " collects (max_collects)";
  }
  if (why.empty() && settings_.rss_limit) {
    const uint64_t rss = resident_bytes(c->pid);
    if (rss > settings_.rss_limit)
      why = "recycled at " + std::to_string(rss) + " bytes resident (rss_limit)";
  }
  if (why.empty()) return;
  {
    std::lock_guard lock(mu_);
    c->expected_exit = true;
    c->kill_reason = why;
    c->kill_label = "recycled";
  }
  log(LogLevel::info, "plugin process recycled",
      {{"collector", settings_.collector}, {"plugin", name_}, {"why", why}});
  // Destroyed cleanly (the plugin flushes what it keeps), then replaced on the next call.
  FrameWriter w(FrameType::destroy);
  if (!send(*c, w.finish())) kill_child(*c, why, "recycled");
}

pe_status ProcessSupervisor::handle_http(const pe_http_request& request,
                                         pe_http_response* response) {
  const pe_host_api* api = host_api();
  std::shared_ptr<Child> c;
  std::string why;
  auto unavailable = [&](const std::string& message) {
    api->http_status(response, 503);
    api->http_header(response, "Content-Type", "text/plain; charset=utf-8");
    api->http_write(response, message.data(), message.size());
    api->http_write(response, "\n", 1);
    return PE_OK;
  };
  if (!ensure_child(c, why)) return unavailable(why);
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = ++next_id_;
    c->pending[id];
  }
  FrameWriter w(FrameType::http);
  w.u64(id);
  w.opt_str(request.method);
  w.opt_str(request.path);
  w.opt_str(request.query);
  w.u32(static_cast<uint32_t>(std::min<size_t>(request.header_count, kMaxLabels)));
  for (size_t i = 0; i < request.header_count && i < kMaxLabels; ++i) {
    w.opt_str(request.headers[i].name);
    w.opt_str(request.headers[i].value);
  }
  w.str(std::string_view(request.body ? request.body : "", request.body ? request.body_size : 0));
  w.opt_str(request.identity);
  w.opt_str(request.remote_address);
  send(*c, w.finish());
  std::string payload;
  std::unique_lock lock(mu_);
  auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(kHttpTimeoutNs);
  for (;;) {
    auto it = c->pending.find(id);
    if (it->second.done) {
      payload = std::move(it->second.payload);
      c->pending.erase(it);
      break;
    }
    if (c->dead) {
      why = c->death_reason;
      c->pending.erase(it);
      lock.unlock();
      return unavailable(why);
    }
    if (cv_.wait_until(lock, until) == std::cv_status::timeout && !it->second.done && !c->dead) {
      it->second.abandoned = true;  // the answer, if it comes, is dropped
      lock.unlock();
      return unavailable("plugin process did not answer within 30s");
    }
  }
  lock.unlock();
  FrameReader r(payload.data(), payload.size());
  r.u64();  // id
  HttpAnswer answer;
  if (!decode_http_answer(r, answer)) {
    kill_child(*c, "protocol error: malformed HTTP answer", "protocol");
    return unavailable("plugin process sent a malformed HTTP answer; killed");
  }
  if (answer.code) api->http_status(response, answer.code);
  for (auto& [k, v] : answer.headers) api->http_header(response, k.data(), v.data());
  api->http_write(response, answer.body.data(), answer.body.size());
  return answer.status;
}

void ProcessSupervisor::destroy() {
  unlist(this);
  std::shared_ptr<Child> c;
  {
    std::lock_guard lock(restart_mu_);
    std::lock_guard l2(mu_);
    destroyed_ = true;
    c = child_;
    if (!c || c->dead) return;
    c->expected_exit = true;
    c->pending[0];  // destroy_done
  }
  FrameWriter w(FrameType::destroy);
  send(*c, w.finish());
  std::string payload, why;
  bool timed_out = false;
  if (!wait_reply(*c, 0, monotonic_now_ns() + 10'000'000'000LL, payload, why, timed_out))
    log(LogLevel::warn, "plugin process did not destroy cleanly",
        {{"collector", settings_.collector}, {"plugin", name_}, {"why", why}});
  // Gone before destroy returns: what it held (file locks, ports) is free
  // for a successor created right after (a reload).
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, std::chrono::seconds(5), [&] { return c->dead; })) {
    ::kill(c->pid, SIGKILL);  // not reaped while !dead
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return c->dead; });
  }
}

ProcessFigures ProcessSupervisor::figures() const {
  ProcessFigures f;
  pid_t pid = -1;
  {
    std::lock_guard lock(mu_);
    f.up = child_ && !child_->dead && created_ && !destroyed_;
    if (f.up) pid = child_->pid;
    f.restarts = restarts_;
    f.quarantined = policy_.quarantined();
  }
  if (pid > 0) f.resident_bytes = resident_bytes(pid);
  return f;
}

}  // namespace pe::host::isolation
