// registry_persistence.hpp — the files the hub keeps of its registry: the
// state file (<state_dir>/dialin/agents.json, see registry_file.hpp), read
// back at start so a restarted hub still lists its agents, and the optional
// Prometheus file_sd file ([dialin] file_sd_path). Both are written
// atomically (temporary file, fsync, rename, fsync of the directory) by
// publish(), which the hub calls once a second when the registry's version
// changed: a reconnect storm of thousands of agents costs one write a
// second, not one per agent.
//
// Thread-safety: load() and publish() must not run concurrently with each
// other (the hub calls them from its clock thread, and from its constructor
// and destructor); const members may be called from any thread.
#pragma once

#include <string>
#include <vector>

#include "dialin/agent_registry.hpp"
#include "dialin/agent_tokens.hpp"
#include "dialin/hub_metrics.hpp"

namespace pe::host::dialin {

class RegistryPersistence {
 public:
  // Empty paths switch that file off. `sd_target` is the address file_sd
  // lists as every agent's target (required with a file_sd path).
  RegistryPersistence(std::string state_file, std::string file_sd_path, std::string sd_target,
                      HubMetrics& metrics);

  // The entries of the state file whose token still exists and may still
  // claim the alias (others are dropped and logged); empty when there is no
  // file. A file that cannot be read or decoded is logged and ignored (the
  // next publish replaces it).
  std::vector<AgentEntry> load(const AgentTokens& tokens) const;

  // Writes the files for `agents` (the registry's snapshot at `version`)
  // unless `version` was written already. A failed write is logged, counted
  // and retried at the next call.
  void publish(const std::vector<AgentEntry>& agents, uint64_t version);
  bool enabled() const { return !state_file_.empty() || !file_sd_path_.empty(); }
  // Whether publish(…, version) would write.
  bool stale(uint64_t version) const {
    return enabled() && (!published_any_ || version != published_version_);
  }

 private:
  bool write(const std::string& path, const std::string& content, unsigned mode, const char* what);

  const std::string state_file_;
  const std::string file_sd_path_;
  const std::string sd_target_;
  HubMetrics& metrics_;
  bool published_any_ = false;
  uint64_t published_version_ = 0;
  bool failing_ = false;  // the last write failed (logged once per streak)
};

}  // namespace pe::host::dialin
