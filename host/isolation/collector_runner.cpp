// collector_runner.cpp — the collector-runner child: hardening, the proxied
// pe_host_api, and the frame loop (leader/followers: the thread that reads a
// call serves it, after handing the reading to an idle thread).
#include "isolation/collector_runner.hpp"

#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "isolation/frame_stream.hpp"
#include "isolation/runner_protocol.hpp"
#include "isolation/shared_ring.hpp"
#include "plugin/collect_sink.hpp"
#include "plugin/collector_context.hpp"
#include "plugin/plugin_library.hpp"

namespace pe::host::isolation {
namespace {

// A config node as the child sees it: the host's id for the real node.
struct RemoteNode {
  uint32_t id;
};
// What a pe_sink is in the child: the collect_done frame being built.
// Records go out in collect_part frames of about kPartBytes while the
// collect runs (the host replays one while the next is filled), then
// collect_done carries the status. The first part is small: the host's
// wake-up (tens of microseconds on a VM) then overlaps the plugin's work.
struct RecordingSink {
  static constexpr std::size_t kPartBytes = 16u << 10;
  static constexpr std::size_t kFirstPartBytes = 2u << 10;
  explicit RecordingSink(uint64_t call_id)
      : id(call_id), frame(thread_part_writer()), strings(thread_part_strings()) {
    begin_part(frame, id);
    strings.clear();
  }
  ~RecordingSink() {
    if (frame.capacity() > 4 * kPartBytes)
      frame = FrameWriter(FrameType::collect_part);  // sink_text
  }
  RecordingSink(const RecordingSink&) = delete;
  RecordingSink& operator=(const RecordingSink&) = delete;
  // One part buffer per thread, kept across collects: no allocation (and no
  // fresh pages to fault in) per part. A thread runs one collect at a time.
  static FrameWriter& thread_part_writer() {
    thread_local FrameWriter w(FrameType::collect_part);
    return w;
  }
  static std::string& thread_part_strings() {
    thread_local std::string s;
    return s;
  }
  // Bytes of the part being filled.
  std::size_t size() const noexcept { return frame.size() + strings.size(); }
  uint64_t id;
  FrameWriter& frame;                        // the part's records (runner_protocol.hpp: begin_part)
  std::string& strings;                      // its label values
  std::size_t part_bytes = kFirstPartBytes;  // when the part being filled goes out
  LabelNameCodes label_names;                // this collect's
  SharedRing* ring = nullptr;  // parts go here when the host gave this collect the ring
};
// What a pe_http_response is in the child.
struct RecordedResponse {
  int32_t code = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct Runner {
  int fd = -1;
  std::optional<FrameStream> in;     // read by the leader only
  std::unique_ptr<SharedRing> ring;  // fd + 1; used by the collect the host names
  std::mutex write_mu;
  std::shared_ptr<PluginLibrary> lib;
  pe_instance* instance = nullptr;
  pe_host host;  // handed to the plugin; only its address matters here
  int32_t log_level = PE_LOG_INFO;
  // Config session (create only, main thread): nodes and strings handed out.
  std::deque<RemoteNode> nodes;
  std::deque<std::string> strings;
  bool config_broken = false;  // the host answered garbage: stop asking
  // Collects and HTTP calls running on their own threads.
  std::mutex busy_mu;
  std::condition_variable busy_cv;
  int busy = 0;
  // Leader/followers: one thread (the leader) reads frames; a thread serving
  // a call waits as a follower afterwards until it is made leader again.
  std::mutex lead_mu;
  std::condition_variable lead_cv;
  int followers = 0;       // threads waiting to lead
  bool lead_free = false;  // the leader role is waiting for a follower to take it
};

Runner g_runner;

void send_bytes(std::string_view f) {
  std::lock_guard lock(g_runner.write_mu);
  if (!write_all(g_runner.fd, f.data(), f.size())) _exit(0);  // the host is gone
}

void send_frame(FrameWriter& w) {
  send_bytes(w.finish());
}

// Two finished frames with one write (a collect's last part and its
// collect_done).
void send_frames(std::string_view a, std::string_view b) {
  std::lock_guard lock(g_runner.write_mu);
  if (!write_all(g_runner.fd, a, b)) _exit(0);  // the host is gone
}

// --- pe_host_api of the child ---------------------------------------------

void c_log(pe_host*, pe_log_level level, const char* message) {
  FrameWriter w(FrameType::log);
  w.i32(level);
  w.str(message ? message : "");
  send_frame(w);
}

int32_t c_log_enabled(pe_host*, pe_log_level level) {
  return level <= g_runner.log_level ? 1 : 0;
}

int64_t c_monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

int64_t c_realtime_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint32_t node_id(const pe_config* c) {
  return c ? reinterpret_cast<const RemoteNode*>(c)->id : 0;
}

const pe_config* make_node(uint32_t id) {
  if (id == 0) return nullptr;
  g_runner.nodes.push_back(RemoteNode{id});
  return reinterpret_cast<const pe_config*>(&g_runner.nodes.back());
}

struct ConfigReply {
  pe_status status = PE_NOT_FOUND;
  int32_t kind = PE_CONFIG_NONE;
  uint32_t node = 0;
  uint64_t size = 0;
  std::string text;
  int64_t integer = 0;
  double floating = 0;
};

// One config call, answered by the host (only during create, main thread).
ConfigReply config_call(ConfigOp op, const pe_config* node, const char* key = nullptr,
                        uint64_t index = 0, uint64_t buf_size = 0, const char* message = nullptr) {
  ConfigReply reply;
  if (g_runner.config_broken) return reply;
  FrameWriter w(FrameType::config_call);
  w.u8(static_cast<uint8_t>(op));
  w.u32(node_id(node));
  w.str(key ? key : "");
  w.u64(index);
  w.u64(buf_size);
  w.str(message ? message : "");
  send_frame(w);
  FrameType type;
  std::string_view payload;
  std::string error;
  if (!g_runner.in->next(type, payload, error)) _exit(0);
  if (type != FrameType::config_reply) {
    g_runner.config_broken = true;
    return reply;
  }
  FrameReader r(payload.data(), payload.size());
  reply.status = r.i32();
  reply.kind = r.i32();
  reply.node = r.u32();
  reply.size = r.u64();
  reply.text = std::string(r.str());
  reply.integer = r.i64();
  reply.floating = r.f64();
  if (r.failed()) {
    g_runner.config_broken = true;
    return ConfigReply{};
  }
  return reply;
}

pe_config_kind c_config_kind(const pe_config* c) {
  return c ? config_call(ConfigOp::kind, c).kind : PE_CONFIG_NONE;
}

const pe_config* c_config_get(const pe_config* c, const char* key) {
  if (!c || !key) return nullptr;
  return make_node(config_call(ConfigOp::get, c, key).node);
}

size_t c_config_size(const pe_config* c) {
  return c ? static_cast<size_t>(config_call(ConfigOp::size, c).size) : 0;
}

const pe_config* c_config_at(const pe_config* c, size_t index) {
  if (!c) return nullptr;
  return make_node(config_call(ConfigOp::at, c, nullptr, index).node);
}

const char* c_config_key_at(const pe_config* c, size_t index) {
  if (!c) return nullptr;
  ConfigReply r = config_call(ConfigOp::key_at, c, nullptr, index);
  if (r.status != PE_OK) return nullptr;
  g_runner.strings.push_back(std::move(r.text));
  return g_runner.strings.back().c_str();
}

pe_status c_config_string(const pe_config* c, const char** out, size_t* out_len) {
  if (!c) return PE_NOT_FOUND;
  ConfigReply r = config_call(ConfigOp::string, c);
  if (r.status != PE_OK) return r.status;
  g_runner.strings.push_back(std::move(r.text));
  if (out) *out = g_runner.strings.back().c_str();
  if (out_len) *out_len = g_runner.strings.back().size();
  return PE_OK;
}

pe_status c_config_int(const pe_config* c, int64_t* out) {
  if (!c) return PE_NOT_FOUND;
  ConfigReply r = config_call(ConfigOp::integer, c);
  if (r.status == PE_OK && out) *out = r.integer;
  return r.status;
}

pe_status c_config_double(const pe_config* c, double* out) {
  if (!c) return PE_NOT_FOUND;
  ConfigReply r = config_call(ConfigOp::floating, c);
  if (r.status == PE_OK && out) *out = r.floating;
  return r.status;
}

pe_status c_config_bool(const pe_config* c, int32_t* out) {
  if (!c) return PE_NOT_FOUND;
  ConfigReply r = config_call(ConfigOp::boolean, c);
  if (r.status == PE_OK && out) *out = r.integer ? 1 : 0;
  return r.status;
}

pe_status c_config_duration(const pe_config* c, int64_t* out_ns) {
  if (!c) return PE_NOT_FOUND;
  ConfigReply r = config_call(ConfigOp::duration, c);
  if (r.status == PE_OK && out_ns) *out_ns = r.integer;
  return r.status;
}

pe_status c_config_secret(const pe_config* c, const char* key, char* buf, size_t buf_size,
                          size_t* out_len) {
  if (!c || !key) return PE_NOT_FOUND;
  ConfigReply r = config_call(ConfigOp::secret, c, key);
  if (r.status != PE_OK) return r.status;
  if (out_len) *out_len = r.text.size();
  if (!buf || buf_size <= r.text.size()) return PE_LIMIT_EXCEEDED;
  std::memcpy(buf, r.text.data(), r.text.size());
  buf[r.text.size()] = '\0';
  return PE_OK;
}

void c_config_error(pe_host*, const pe_config* c, const char* message) {
  config_call(ConfigOp::error, c, nullptr, 0, 0, message ? message : "invalid configuration");
}

RecordingSink& rec(pe_sink* s) {
  return *reinterpret_cast<RecordingSink*>(s);
}

// True when the part holds records (more than type and id).
bool has_records(const RecordingSink& sink) {
  return sink.frame.size() > kPartRecordsAt;
}

// Sends the records gathered so far once a part is full: through the ring
// when the collect has it, else the socket.
void flush_part(RecordingSink& sink) {
  if (!has_records(sink) || sink.size() < sink.part_bytes) return;
  sink.part_bytes = RecordingSink::kPartBytes;
  const std::string_view part = finish_part(sink.frame, sink.strings);
  if (sink.ring)
    sink.ring->write(part.data(), part.size());
  else
    send_bytes(part);
  begin_part(sink.frame, sink.id);
}

pe_status c_sink_family(pe_sink* s, const pe_family* f) {
  if (!s || !f) return PE_ERROR;
  pe_family copy{};
  std::memcpy(&copy, f, std::min<std::size_t>(f->struct_size, sizeof copy));
  write_family_record(rec(s).frame, copy);
  flush_part(rec(s));
  return PE_OK;
}

pe_status c_sink_sample(pe_sink* s, const pe_sample* sample) {
  if (!s || !sample) return PE_ERROR;
  // A plugin built against this ABI is read in place: copying the struct it
  // has just written field by field stalled on every sample.
  pe_sample older{};
  if (sample->struct_size < sizeof older) {
    std::memcpy(&older, sample, sample->struct_size);
    sample = &older;
  }
  if (sample->label_count && !sample->labels) return PE_ERROR;
  if (sample->label_count > kMaxLabels) return PE_ERROR;
  write_sample_record(rec(s).frame, rec(s).label_names, rec(s).strings, *sample);
  flush_part(rec(s));
  return PE_OK;
}

pe_status record_text(pe_sink* s, const char* data, size_t len, pe_format format, int32_t skip) {
  if (!s || (!data && len)) return PE_ERROR;
  if (len > kMaxFrameBytes) return PE_LIMIT_EXCEEDED;
  // Parsed here too, into a scratch set, so the plugin gets the status an
  // in-process sink_text returns (plugins report parse failures); the host
  // parses it again into the real sink when it replays the batch.
  pe::MetricSet scratch;
  pe_sink shadow(scratch, UINT64_MAX);
  const pe_status parsed = shadow.text(data ? data : "", len, format, skip != 0);
  FrameWriter& w = rec(s).frame;
  w.u8(static_cast<uint8_t>(SinkRecord::text));
  w.str(std::string_view(data ? data : "", len));
  w.i32(format);
  w.i32(skip);
  flush_part(rec(s));
  return parsed;
}

pe_status c_sink_text(pe_sink* s, const char* data, size_t len, const pe_text_options* options) {
  pe_text_options o{};  // NULL: PE_FORMAT_AUTO, strict
  if (options) std::memcpy(&o, options, std::min<std::size_t>(options->struct_size, sizeof o));
  return record_text(s, data, len, o.format, o.skip_invalid_lines);
}

void c_sink_error(pe_sink* s, const char* message) {
  if (!s) return;
  FrameWriter& w = rec(s).frame;
  w.u8(static_cast<uint8_t>(SinkRecord::error));
  w.str(message ? message : "");
}

pe_status c_sink_stat(pe_sink* s, const char* name, const char* help, double value) {
  if (!s) return PE_ERROR;
  FrameWriter& w = rec(s).frame;
  w.u8(static_cast<uint8_t>(SinkRecord::stat));
  w.opt_str(name);
  w.opt_str(help);
  w.f64(value);
  flush_part(rec(s));
  return PE_OK;
}

pe_status c_register_route(pe_host*, const pe_route* route) {
  if (!route) return PE_ERROR;
  pe_route r{};
  std::memcpy(&r, route, std::min<std::size_t>(route->struct_size, sizeof r));
  FrameWriter w(FrameType::route);
  w.opt_str(r.method);
  w.opt_str(r.path_prefix);
  w.opt_str(r.role);
  w.u64(r.max_body_bytes);
  send_frame(w);
  return PE_OK;  // the host validates it (and logs an invalid one)
}

RecordedResponse& resp(pe_http_response* r) {
  return *reinterpret_cast<RecordedResponse*>(r);
}

void c_http_status(pe_http_response* r, int32_t code) {
  if (r && code >= 100 && code <= 599) resp(r).code = code;
}

void c_http_header(pe_http_response* r, const char* name, const char* value) {
  if (r && name && value) resp(r).headers.emplace_back(name, value);
}

pe_status c_http_write(pe_http_response* r, const char* data, size_t len) {
  if (!r || (!data && len)) return PE_ERROR;
  resp(r).body.append(data ? data : "", len);
  return PE_OK;
}

const pe_host_api kChildApi = [] {
  pe_host_api a{};
  a.struct_size = sizeof(pe_host_api);
  a.abi_major = PE_ABI_MAJOR;
  a.abi_minor = PE_ABI_MINOR;
  a.log = c_log;
  a.log_enabled = c_log_enabled;
  a.monotonic_ns = c_monotonic_ns;
  a.realtime_ms = c_realtime_ms;
  a.config_kind = c_config_kind;
  a.config_get = c_config_get;
  a.config_size = c_config_size;
  a.config_at = c_config_at;
  a.config_key_at = c_config_key_at;
  a.config_string = c_config_string;
  a.config_int = c_config_int;
  a.config_double = c_config_double;
  a.config_bool = c_config_bool;
  a.config_duration = c_config_duration;
  a.config_secret = c_config_secret;
  a.config_error = c_config_error;
  a.sink_family = c_sink_family;
  a.sink_sample = c_sink_sample;
  a.sink_text = c_sink_text;
  a.sink_error = c_sink_error;
  a.sink_stat = c_sink_stat;
  a.register_route = c_register_route;
  a.http_status = c_http_status;
  a.http_header = c_http_header;
  a.http_write = c_http_write;
  return a;
}();

// --- hardening --------------------------------------------------------------

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "plugin_exporter collector-runner: %s\n", message.c_str());
  std::fflush(stderr);
  _exit(70);
}

void harden(int fd, pid_t host_pid, uint64_t memory_limit, const std::string& user) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die("PR_SET_PDEATHSIG failed");
  if (getppid() != host_pid) _exit(0);  // the host died before we got here
  // Every inherited descriptor but stdio, the socket and the ring after it goes.
  if (fd > 3) syscall(SYS_close_range, 3u, static_cast<unsigned>(fd - 1), 0u);
  syscall(SYS_close_range, static_cast<unsigned>(fd + 2), ~0u, 0u);
  if (memory_limit > 0) {
    rlimit rl{memory_limit, memory_limit};
    if (setrlimit(RLIMIT_AS, &rl) != 0) die("cannot set memory_limit (RLIMIT_AS)");
  }
  if (!user.empty()) {
    if (geteuid() != 0) die("user = \"" + user + "\" needs the exporter to run as root");
    passwd* pw = getpwnam(user.c_str());
    if (!pw) die("user \"" + user + "\" does not exist");
    if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
      die("cannot switch to user \"" + user + "\"");
    if (setuid(0) == 0) die("could regain root after switching user");
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("PR_SET_NO_NEW_PRIVS failed");
  // SCHED_BATCH (same share of the CPU, no wake-up preemption): a child woken
  // by a request no longer pushes the host's collecting thread off the CPU
  // it shares with it, where that thread waited, runnable, until the whole
  // collect had run, then replayed it (the two in turn, the other CPU idle).
  sched_param batch{};
  sched_setscheduler(0, SCHED_BATCH, &batch);  // threads started later inherit it
}

// --- the frame loop ---------------------------------------------------------

void begin_call() {
  std::lock_guard lock(g_runner.busy_mu);
  ++g_runner.busy;
}

void end_call() {
  std::lock_guard lock(g_runner.busy_mu);
  --g_runner.busy;
  g_runner.busy_cv.notify_all();
}

void serve_create(FrameReader& r) {
  std::string collector(r.str()), state_dir(r.str());
  const bool has_state_dir = r.u8() != 0;
  const int32_t check_only = r.i32();
  g_runner.log_level = r.i32();
  pe_status st = PE_ERROR;
  if (!r.failed()) {
    g_runner.host.collector_name = collector;
    g_runner.host.plugin_name = g_runner.lib->name();
    g_runner.host.creating = true;
    pe_create_params params{};
    params.struct_size = sizeof params;
    params.api = &kChildApi;
    params.host = &g_runner.host;
    params.config = make_node(1);  // the host's id of the plugin table
    params.collector_name = collector.c_str();
    params.check_only = check_only;
    params.state_dir = has_state_dir ? state_dir.c_str() : nullptr;
    st = g_runner.lib->descriptor().create(&params, &g_runner.instance);
    g_runner.host.creating = false;
    g_runner.nodes.clear();
    g_runner.strings.clear();
    if (st == PE_OK && !g_runner.instance) st = PE_ERROR;
  }
  FrameWriter w(FrameType::create_done);
  w.i32(st);
  send_frame(w);
}

void serve_collect(std::string payload) {
  FrameReader r(payload.data(), payload.size());
  const uint64_t id = r.u64();
  pe_collect_request req{};
  req.struct_size = sizeof req;
  req.deadline_monotonic_ns = r.i64();
  const uint32_t n = r.count(kMaxLabels, 10);
  std::vector<pe_label> params(n);
  for (auto& p : params) {
    p.name = r.str().data();
    p.value = r.str().data();
  }
  const bool use_ring = r.u8() == 1;
  RecordingSink sink(id);
  if (use_ring) sink.ring = g_runner.ring.get();  // the host gives it to one collect at a time
  pe_status st = PE_ERROR;
  if (!r.failed() && g_runner.instance) {
    req.params = params.data();
    req.param_count = params.size();
    st = g_runner.lib->descriptor().collect(g_runner.instance, &req,
                                            reinterpret_cast<pe_sink*>(&sink));
  }
  FrameWriter done(FrameType::collect_done);
  done.u64(id);
  done.i32(st);
  // The last part goes with collect_done in one write even when the ring
  // carried the others: a small collect then costs the host one wake-up.
  // The host replays the ring's parts first (they were written before).
  if (has_records(sink))
    send_frames(finish_part(sink.frame, sink.strings), done.finish());
  else
    send_frame(done);
}

void serve_http(std::string payload) {
  FrameReader r(payload.data(), payload.size());
  const uint64_t id = r.u64();
  pe_http_request req{};
  req.struct_size = sizeof req;
  req.method = r.opt_str();
  req.path = r.opt_str();
  req.query = r.opt_str();
  const uint32_t n = r.count(kMaxLabels, 4);
  std::vector<pe_label> headers(n);
  for (auto& h : headers) {
    h.name = r.opt_str();
    h.value = r.opt_str();
  }
  std::string_view body = r.str();
  req.identity = r.opt_str();
  req.remote_address = r.opt_str();
  RecordedResponse response;
  pe_status st = PE_ERROR;
  auto fn = g_runner.lib->descriptor().handle_http;
  if (!r.failed() && g_runner.instance && fn) {
    req.headers = headers.data();
    req.header_count = headers.size();
    req.body = body.data();
    req.body_size = body.size();
    st = fn(g_runner.instance, &req, reinterpret_cast<pe_http_response*>(&response));
  }
  FrameWriter w(FrameType::http_done);
  w.u64(id);
  w.i32(st);
  w.i32(response.code);
  w.u32(static_cast<uint32_t>(std::min<std::size_t>(response.headers.size(), kMaxLabels)));
  for (std::size_t i = 0; i < response.headers.size() && i < kMaxLabels; ++i) {
    w.str(response.headers[i].first);
    w.str(response.headers[i].second);
  }
  w.str(response.body);
  send_frame(w);
}

void serve_destroy() {
  {
    std::unique_lock lock(g_runner.busy_mu);
    g_runner.busy_cv.wait(lock, [] { return g_runner.busy == 0; });
  }
  if (g_runner.instance) g_runner.lib->descriptor().destroy(g_runner.instance);
  g_runner.instance = nullptr;
  FrameWriter w(FrameType::destroy_done);
  send_frame(w);
}

// The leader role goes to a waiting follower, or to a new thread.
void pass_the_lead();

// Until the socket has something to read (or is closed): the leader sleeps
// on the ring's doorbell (SharedRing::ring_doorbell), else in read().
void await_frame() {
  if (!g_runner.ring || g_runner.in->buffered() > 0) return;
  for (;;) {
    const uint32_t ticket = g_runner.ring->doorbell_ticket();
    pollfd p{g_runner.fd, POLLIN, 0};
    if (::poll(&p, 1, 0) != 0) return;
    g_runner.ring->wait_doorbell(ticket, 1'000'000'000);  // and a look at the socket each second
  }
}

// Reads and serves frames while this thread leads; returns after it served
// a call (collect, HTTP), having passed the lead on before serving it so
// the socket is still read meanwhile. Exits the process at EOF or destroy.
void lead() {
  for (;;) {
    FrameType type;
    std::string_view view;
    std::string error;
    await_frame();
    if (!g_runner.in->next(type, view, error)) _exit(0);  // the host closed its end
    FrameReader r(view.data(), view.size());
    switch (type) {
      case FrameType::create:
        serve_create(r);
        break;
      case FrameType::collect:
      case FrameType::http: {
        std::string payload(view);  // the stream's buffer belongs to the next leader
        begin_call();
        pass_the_lead();
        if (type == FrameType::collect)
          serve_collect(std::move(payload));
        else
          serve_http(std::move(payload));
        end_call();
        return;
      }
      case FrameType::destroy:
        serve_destroy();
        _exit(0);
      default:
        die("unexpected frame type " + std::to_string(static_cast<int>(type)) + " from the host");
    }
  }
}

// A thread's life: lead, serve a call, wait to lead again.
[[noreturn]] void lead_and_follow() {
  for (;;) {
    lead();
    std::unique_lock lock(g_runner.lead_mu);
    ++g_runner.followers;
    g_runner.lead_cv.wait(lock, [] { return g_runner.lead_free; });
    g_runner.lead_free = false;
    --g_runner.followers;
  }
}

void pass_the_lead() {
  std::lock_guard lock(g_runner.lead_mu);
  if (g_runner.followers > 0) {
    g_runner.lead_free = true;
    g_runner.lead_cv.notify_one();
  } else {
    std::thread(lead_and_follow).detach();
  }
}

}  // namespace

int run_collector_runner(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s %s FD PLUGIN_PATH HOST_PID [MEMORY_LIMIT [USER]]\n", argv[0],
                 kRunnerFlag);
    return 2;
  }
  const int fd = std::atoi(argv[2]);
  const std::string path = argv[3];
  const pid_t host_pid = static_cast<pid_t>(std::atol(argv[4]));
  const uint64_t memory_limit = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 0;
  const std::string user = argc > 6 ? argv[6] : "";
  harden(fd, host_pid, memory_limit, user);
  signal(SIGPIPE, SIG_IGN);
  g_runner.fd = fd;
  g_runner.in.emplace(fd);
  g_runner.ring = SharedRing::attach(fd + 1);  // none: every part goes through the socket

  std::string error;
  g_runner.lib = PluginLibrary::load(path, error);
  FrameWriter hello(FrameType::hello);
  hello.u8(g_runner.lib ? 1 : 0);
  if (!g_runner.lib) {
    hello.str(error);
    send_frame(hello);
    return 0;
  }
  const pe_plugin_descriptor& d = g_runner.lib->descriptor();
  hello.str(d.name ? d.name : "");
  hello.str(d.version ? d.version : "");
  hello.str(d.description ? d.description : "");
  hello.u64(d.capabilities);
  send_frame(hello);

  lead_and_follow();
}

}  // namespace pe::host::isolation
