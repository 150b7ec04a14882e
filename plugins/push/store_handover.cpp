// store_handover.cpp — the process-wide registry of live durable stores, and
// opening a new one from its state directory.
#include "store_handover.hpp"

#include <filesystem>
#include <map>
#include <mutex>

namespace pe::push {
namespace {

struct Entry {
  std::string settings;
  std::weak_ptr<DurableStore> store;
};

std::mutex& registry_mu() {
  static std::mutex mu;
  return mu;
}

std::map<std::string, Entry>& registry() {
  static std::map<std::string, Entry> entries;
  return entries;
}

std::string canonical(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(dir, ec);
  return ec ? dir : p.string();
}

}  // namespace

std::string store_settings(const PushConfig& c) {
  std::string s = std::to_string(static_cast<int>(c.durability)) + "/" +
                  std::to_string(c.store.max_series_per_group) + "/" +
                  std::to_string(c.store.max_series_total) + "/" +
                  std::to_string(c.store.max_groups) + "/" + std::to_string(c.store.pusher_ttl_ms) +
                  "/" + std::to_string(static_cast<int>(c.help_mismatch)) + "/" +
                  std::to_string(static_cast<int>(c.aggregation.default_gauge));
  for (const auto& [pattern, rule] : c.aggregation.gauge_rules)
    s += "/" + std::to_string(pattern.size()) + ":" + pattern + "=" +
         std::to_string(static_cast<int>(rule));
  return s;
}

std::shared_ptr<DurableStore> find_live_store(const std::string& state_dir,
                                              const std::string& settings) {
  std::lock_guard lock(registry_mu());
  auto it = registry().find(canonical(state_dir));
  if (it == registry().end() || it->second.settings != settings) return nullptr;
  return it->second.store.lock();
}

void register_live_store(const std::string& state_dir, const std::string& settings,
                         const std::shared_ptr<DurableStore>& store) {
  std::lock_guard lock(registry_mu());
  auto& entries = registry();
  for (auto it = entries.begin(); it != entries.end();)  // forget dead stores
    it = it->second.store.expired() ? entries.erase(it) : std::next(it);
  entries[canonical(state_dir)] = Entry{settings, store};
}

void open_state_directory(const std::shared_ptr<DurableStore>& shared, const PushConfig& config,
                          const HostLog& log, pe::RealtimeClock clock) {
  shared->state = std::make_unique<StateDirectory>(config.state_dir, config.durability, log, clock);
  RecoveryReport& recovery = shared->recovery;
  recovery = shared->state->recover(shared->store);
  for (const std::string& p : recovery.problems) log.warn("state recovery: " + p);
  auto t = shared->store.totals();
  log.info("push store restored from " + config.state_dir + ": " + std::to_string(t.groups) +
           " groups, " + std::to_string(t.series) + " series from " +
           std::to_string(recovery.records) + " records" +
           (recovery.discarded_bytes ? ", " + std::to_string(recovery.discarded_bytes) +
                                           " bytes of torn/corrupt tail discarded"
                                     : std::string()));
  shared->state->start(shared->store);
  register_live_store(config.state_dir, store_settings(config), shared);
}

}  // namespace pe::push
