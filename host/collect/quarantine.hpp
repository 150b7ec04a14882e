// quarantine.hpp — collectors that are not created because their plugin
// brought the process down (plugin/crash_record.hpp), or that are created
// isolated instead (on_crash = "isolate": demoted): each entry names the
// collector, its plugin, the configuration it crashed with (a stable hash),
// the plugin call, the signal, when, and whether it is a demotion. Kept in
// <state_dir>/quarantine, one tab-separated line per entry, so a restart
// keeps it (without a state directory it lives only as long as the process).
// An entry is cleared by a (re)load whose configuration of the collector
// differs or lacks it, or by an admin's POST /-/quarantine/clear. Exports
// plugin_exporter_collector_quarantined{collector,plugin} and
// plugin_exporter_collector_demoted{collector,plugin} (0/1) for every
// configured collector. A missing file is an empty quarantine; an unreadable
// file or a malformed line is logged and skipped, never fatal.
//
// Thread-safety: every member may be called concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "config/exporter_config.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host {

struct QuarantineEntry {
  std::string collector, plugin, fingerprint;
  int64_t unix_ms = 0;
  std::string entry;   // the plugin call it crashed in: "collect", ...
  std::string signal;  // "SIGSEGV", ... or "exit"
  // on_crash = "isolate": the collector is created with isolation = "process"
  // instead of being left out.
  bool demoted = false;
};

// File name of the quarantine list inside the state directory.
inline constexpr const char* kQuarantineFileName = "quarantine";

class Quarantine {
 public:
  // Reads <state_dir>/quarantine when state_dir is set.
  explicit Quarantine(std::string state_dir);

  // Adds (or replaces) the entry of entry.collector and saves the file.
  void add(QuarantineEntry entry);
  // The entries `config` keeps (quarantined or demoted): their collector is
  // configured with the configuration it crashed with. Changes nothing.
  std::vector<QuarantineEntry> matching(const ExporterConfig& config) const;
  // Commits `config`: drops (logged, saved) the entries it does not keep.
  void apply(const ExporterConfig& config);
  // The collectors the metric lists, (collector, plugin name) each: the
  // running ones and the quarantined ones.
  void set_listed(std::vector<std::pair<std::string, std::string>> collectors);
  // Clears one collector's entry; false when it was not quarantined.
  bool clear(const std::string& collector);
  // Clears every entry; returns the collectors that were quarantined.
  std::vector<std::string> clear_all();
  std::vector<QuarantineEntry> entries() const;
  void export_to(MetricSet& set) const;

 private:
  void save_locked() const;

  const std::string path_;  // empty = memory only
  mutable std::mutex mu_;
  std::vector<QuarantineEntry> entries_;
  std::vector<std::pair<std::string, std::string>> listed_;  // (collector, plugin)
};

// "crashed the exporter in collect with SIGSEGV at 2026-12-06T01:02:03Z".
std::string quarantine_reason(const QuarantineEntry& entry);

// "crashed the exporter in collect with SIGSEGV at ...; demoted to isolation
// = \"process\" (on_crash = \"isolate\")".
std::string demotion_reason(const QuarantineEntry& entry);

// Entries split by kind: (quarantined, demoted).
std::pair<std::vector<QuarantineEntry>, std::vector<QuarantineEntry>> split_demoted(
    std::vector<QuarantineEntry> entries);

// The stable hash of a collector's configuration the quarantine compares.
std::string collector_fingerprint_id(const CollectorConfig& config);

}  // namespace pe::host
