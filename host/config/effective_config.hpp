// effective_config.hpp — the configuration the exporter runs with, as JSON
// for /configz: the file's settings (secrets redacted, see
// config_redaction.hpp) completed with every default the host applied and
// the command-line overrides (--web.listen-address, --plugin.dir).
#pragma once

#include <string>

#include "config/exporter_config.hpp"

namespace pe::host {

std::string effective_config_json(const ExporterConfig& config);

}  // namespace pe::host
