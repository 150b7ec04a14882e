// store_handover.hpp — lets a push collector recreated by a hot reload take
// over the live store of its predecessor instead of recovering it from disk
// while pushes get 503 and scrapes miss the pushed series (issue 16/5). The
// host creates the successor before it stops the predecessor; both then
// share one DurableStore (store, state directory, write-ahead log) until the
// predecessor is destroyed.
//
// Stores are found by their state directory (canonical path), and only when
// they were built with the same settings (durability and every setting the
// store itself applies); otherwise the successor opens the directory itself,
// which fails while the predecessor holds its lock, and the host falls back
// to stopping the predecessor first. In-memory stores are never shared.
//
// open_state_directory() is the other way to a DurableStore: a new one is
// recovered from its directory, started and registered.
//
// Thread-safety: the registry functions may be called from any thread; a
// DurableStore is shared by instances whose calls the store and the state
// directory already serialise.
#pragma once

#include <memory>
#include <string>

#include "config/push_config.hpp"
#include "durable/state_directory.hpp"
#include "plugin_exporter/plugin.hpp"
#include "store/metric_store.hpp"

namespace pe::push {

struct DurableStore {
  explicit DurableStore(const PushConfig& config)
      : store(config.store, config.help_mismatch, config.aggregation) {}
  MetricStore store;
  std::unique_ptr<StateDirectory> state;  // null for an in-memory store
  RecoveryReport recovery;
};

// What a store was built with, as a comparable string.
std::string store_settings(const PushConfig& config);

// The live store of `state_dir` built with `settings`, or nullptr.
std::shared_ptr<DurableStore> find_live_store(const std::string& state_dir,
                                              const std::string& settings);
// Makes `store` findable while it lives (the registry holds a weak reference).
void register_live_store(const std::string& state_dir, const std::string& settings,
                         const std::shared_ptr<DurableStore>& store);

// For a new store with durability: locks config.state_dir, recovers what it
// holds into the store (problems and totals logged), starts the write-ahead
// log and registers the store for a successor. Throws std::runtime_error when
// the directory cannot be used.
// The state directory's times are on `clock` (the host's: api->realtime_ms).
void open_state_directory(const std::shared_ptr<DurableStore>& shared, const PushConfig& config,
                          const HostLog& log, pe::RealtimeClock clock);

}  // namespace pe::push
