// collector_factory.hpp — turns the configuration's collectors into running
// (or, for --check-config, validated-and-destroyed) plugin instances: loads
// each plugin file once, checks its ABI, lets the plugin validate its table,
// and reports every problem located in the configuration file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collect/collector.hpp"
#include "collect/quarantine.hpp"
#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/exporter_config.hpp"

namespace pe::host {

struct CreatedCollectors {
  std::vector<std::shared_ptr<Collector>> collectors;  // in configuration order
  ConfigErrors errors;
};

// check_only: plugins validate without opening anything, and the instances
// are destroyed before returning. Collectors in `keep` (by name) are reused
// as they are instead of created (hot reload of unchanged collectors).
// Errors make the result empty (kept collectors are left alone).
// Collectors whose plugin file was not found are skipped (the loader
// reported them). `verdicts` are the quarantine's entries the configuration
// keeps (Quarantine::matching, collect/quarantine.hpp): a quarantined
// collector is skipped, a demoted one (on_crash = "isolate" after a crash)
// is created with isolation = "process" whatever its configuration says
// (Collector::config().demoted). Two collectors registering the same HTTP
// route (method and path) is an error, also with check_only.
CreatedCollectors create_collectors(const ExporterConfig& config, bool check_only,
                                    const std::vector<std::shared_ptr<Collector>>& keep = {},
                                    const std::vector<QuarantineEntry>& verdicts = {});

// Every problem --check-config reports, in file order: the loader's and,
// even when the host's part of the file has errors, those each found plugin
// reports about its collector's section (all problems in one pass).
ConfigErrors check_configuration(const LoadResult& loaded);

}  // namespace pe::host
