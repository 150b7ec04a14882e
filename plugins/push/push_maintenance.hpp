// push_maintenance.hpp — the push collector's maintenance thread: once a
// second it expires the groups whose TTL ran out and, with a state
// directory, compacts the write-ahead log when it has grown past
// compact_wal_bytes, when compact_interval has passed since the last
// snapshot, or when a failed write or compaction's backoff has run out.
//
// Thread-safety: created and destroyed by the owning collector (the
// destructor stops and joins the thread); the thread calls only the store
// and the state directory, which serialise their own callers.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "config/push_config.hpp"
#include "durable/state_directory.hpp"
#include "plugin_exporter/plugin.hpp"
#include "store/metric_store.hpp"

namespace pe::push {

class Maintenance {
 public:
  // Starts the thread. `state` may be null (in-memory store: expiry only).
  Maintenance(MetricStore& store, StateDirectory* state, const PushConfig& config,
              const pe_host_api* api, HostLog log);
  ~Maintenance();
  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

 private:
  void run();
  void maybe_compact();

  MetricStore& store_;
  StateDirectory* const state_;
  const PushConfig& config_;
  const pe_host_api* const api_;
  HostLog log_;
  bool durable_logged_ = true;  // the thread only

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace pe::push
