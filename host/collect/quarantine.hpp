// quarantine.hpp — collectors that are not started because their plugin
// brought the process down (plugin/crash_record.hpp): each entry names the
// collector, its plugin, the configuration it crashed with (a stable hash)
// and what happened. Kept in <state_dir>/quarantine (so a restart keeps it;
// without a state directory it lives only as long as the process). An entry
// is cleared by a reload that changes or removes its collector, or by an
// admin's POST /-/quarantine/clear. Exports
// plugin_exporter_collector_quarantined{collector,plugin} (0/1) for every
// configured collector.
//
// Thread-safety: every member may be called concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/exporter_config.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host {

struct QuarantineEntry {
  std::string collector, plugin, fingerprint;
  int64_t unix_ms = 0;
  std::string reason;
};

class Quarantine {
 public:
  // Reads <state_dir>/quarantine when state_dir is set; problems are logged.
  explicit Quarantine(std::string state_dir);

  void add(QuarantineEntry entry);
  // Drops entries whose collector is gone from `config` or configured
  // differently (logged), remembers the configured collectors for the
  // metric, and returns the names still quarantined.
  std::set<std::string> apply(const ExporterConfig& config);
  // False when `collector` was not quarantined.
  bool clear(const std::string& collector);
  std::vector<QuarantineEntry> entries() const;
  void export_to(MetricSet& set) const;

 private:
  void save_locked() const;

  const std::string path_;  // empty = memory only
  mutable std::mutex mu_;
  std::vector<QuarantineEntry> entries_;
  std::vector<std::pair<std::string, std::string>> configured_;  // (collector, plugin)
};

// The stable hash of a collector's configuration the quarantine compares.
std::string collector_fingerprint_id(const CollectorConfig& config);

}  // namespace pe::host
