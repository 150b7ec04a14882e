// process_supervisor.hpp — the host side of isolation = "process": one
// collector's plugin running in a child process (isolation/collector_runner),
// seen by the rest of the host as a plugin. descriptor() is a
// pe_plugin_descriptor whose create/collect/destroy/handle_http forward to
// the child; the Collector calls it exactly as it calls an in-process
// library. Config calls during the first create are answered with the real
// pe_host_api on the real nodes (so errors keep file:line:column and unread
// keys stay errors) and remembered, so a restarted child's create is
// answered the same without the config document. Sink records come back in
// parts while the child collects: the thread that reads the child's socket
// queues each part, and the collecting thread replays it into the real sink
// (merge, relabel and limits as in-process) while the child fills the next.
// The collecting thread owns the sink and its MetricSet, as in process:
// replayed by the socket's reader, the same records took twice the CPU on
// a 2-core machine (its writes went to memory other threads had touched).
//
// Supervision: a child that dies fails the calls in flight with a reason
// ("plugin process killed by signal 11 (SIGSEGV)", "plugin process exited
// with status 3"), and is started again on the next call, at once the first
// time and then with backoff (isolation/restart_policy.hpp); while backing
// off calls fail at once ("plugin process restarting in 4s after ...").
// A collect overrunning its deadline by kDeadlineGrace kills the child.
// Repeated deaths quarantine the collector (the quarantine hook records it
// like an in-process crash). Optional recycling after max_collects or above
// rss_limit replaces the child between collects.
//
// Thread-safety: every member may be called concurrently (collects on pool
// threads, handle_http on HTTP threads, figures() from scrapes).
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "isolation/restart_policy.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"
#include "plugin_exporter/plugin.h"

namespace pe::host::isolation {

class FrameReader;

struct IsolationSettings {
  std::string plugin_path;
  std::string collector;
  std::string fingerprint;    // the collector's configuration hash (quarantine)
  uint64_t memory_limit = 0;  // RLIMIT_AS of the child, bytes; 0 = none
  std::string user;           // run the child as this user (needs root); empty = same
  uint64_t max_collects = 0;  // replace the child after this many collects; 0 = never
  uint64_t rss_limit = 0;     // replace the child when its RSS exceeds this; 0 = never
  std::string runner_exe = "/proc/self/exe";  // the binary with the runner mode
};

// Called (once per supervisor) when repeated deaths quarantine a collector.
// `signal` is the last death's label ("SIGSEGV", "exit", "deadline", ...).
using QuarantineHook =
    std::function<void(const std::string& collector, const std::string& plugin,
                       const std::string& fingerprint, const std::string& signal)>;
void set_quarantine_hook(QuarantineHook hook);

// What the host exports about one isolated collector.
struct ProcessFigures {
  bool up = false;
  uint64_t resident_bytes = 0;
  std::map<std::string, uint64_t> restarts;  // by reason label
  bool quarantined = false;
};

// Exports plugin_exporter_collector_process_up, _process_restarts_total and
// _process_resident_memory_bytes of every created isolated collector.
void export_isolation_metrics(MetricSet& set);

class ProcessSupervisor {
 public:
  static constexpr int64_t kDeadlineGraceNs = 2'000'000'000;

  // Starts the child and reads its descriptor; null with `error` on failure
  // (no such file, ABI refused by the child's check, cannot spawn).
  static std::shared_ptr<ProcessSupervisor> start(IsolationSettings settings, std::string& error,
                                                  std::function<int64_t()> clock = nullptr);
  ~ProcessSupervisor();
  ProcessSupervisor(const ProcessSupervisor&) = delete;
  ProcessSupervisor& operator=(const ProcessSupervisor&) = delete;

  // The proxy descriptor; its entry points take this supervisor as instance.
  const pe_plugin_descriptor& descriptor() const noexcept { return descriptor_; }
  ProcessFigures figures() const;
  const std::string& collector() const noexcept { return settings_.collector; }
  const std::string& plugin_name() const noexcept { return name_; }

  // The proxy's entry points.
  pe_status create(const pe_create_params& params);
  pe_status collect(const pe_collect_request& request, pe_sink* sink);
  pe_status handle_http(const pe_http_request& request, pe_http_response* response);
  void destroy();

 private:
  struct Child;
  struct Pending;
  struct CollectReplay;
  explicit ProcessSupervisor(IsolationSettings settings, std::function<int64_t()> clock);
  std::shared_ptr<Child> launch(std::string& error);
  // Sends create and serves the child's config calls until create_done.
  // `real` is the host's create (first time); null replays the answers.
  pe_status run_create(Child& c, const pe_create_params* real, std::string& error);
  bool answer_config(Child& c, std::string_view request, const pe_create_params* real,
                     std::string& error);
  bool ensure_child(std::shared_ptr<Child>& out, std::string& why);
  void reader_loop(std::shared_ptr<Child> c);
  // Handles one frame from the child; false (a frame that has no place
  // here, or does not decode) ends the child with a protocol error.
  bool on_frame(Child& c, uint8_t type, std::string_view payload);
  // Queues a collect_part for its collect's thread (on the reader thread).
  bool queue_part(Child& c, std::string_view payload);
  void child_exited(Child& c, int wait_status);
  void kill_child(Child& c, const std::string& reason, const std::string& label);
  bool send(Child& c, std::string_view frame);
  // Waits for call `id` of `c`, replaying a collect's parts (`replay`) as
  // they come; false when the child died first, a part was malformed, or
  // the deadline passed (why set).
  bool wait_reply(Child& c, uint64_t id, int64_t until_ns, std::string& payload, std::string& why,
                  bool& timed_out, CollectReplay* replay = nullptr);
  void maybe_recycle(const std::shared_ptr<Child>& c);

  const IsolationSettings settings_;
  const std::function<int64_t()> clock_;
  pe_plugin_descriptor descriptor_{};
  std::string name_, version_, description_;

  // Create inputs kept for restarts.
  std::string collector_name_, state_dir_;
  bool has_state_dir_ = false;
  int32_t check_only_ = 0;
  std::map<std::string, std::string> config_memo_;  // config_call payload -> reply payload
  std::vector<const pe_config*> nodes_;             // id - 1 -> real node (first create only)

  std::mutex restart_mu_;  // one (re)start at a time
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<Child> child_;
  std::vector<std::thread> readers_;  // joined at destruction
  RestartPolicy policy_;
  std::string last_death_reason_, last_death_label_;
  std::string restart_label_;  // the reason the next start is a restart, counted then
  std::map<std::string, uint64_t> restarts_;
  uint64_t next_id_ = 0;
  bool created_ = false;
  bool destroyed_ = false;
  bool quarantine_reported_ = false;
};

}  // namespace pe::host::isolation
