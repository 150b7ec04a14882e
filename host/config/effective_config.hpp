// effective_config.hpp — the configuration the exporter runs with, as JSON
// for /configz: the file's settings (secrets redacted, see
// config_redaction.hpp) completed with every default the host applied and
// the command-line overrides (--web.listen-address, --plugin.dir).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/exporter_config.hpp"

namespace pe::host {

// `quarantined`: (collector, why) of collectors that are configured but not
// created (collect/quarantine.hpp); each collector says quarantined = true/false.
// `demoted`: (collector, why) of collectors created isolated after a crash
// (on_crash = "isolate"): their isolation says "process", demoted = true/false.
std::string effective_config_json(
    const ExporterConfig& config,
    const std::vector<std::pair<std::string, std::string>>& quarantined = {},
    const std::vector<std::pair<std::string, std::string>>& demoted = {});

}  // namespace pe::host
