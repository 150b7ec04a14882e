// config_loader.hpp — reads plugin_exporter.toml into an ExporterConfig,
// strictly: unknown keys, wrong types, bad durations, missing fields,
// duplicate collector names, unknown plugins and invalid relabel rules are
// all reported, located, in one pass. Plugin-specific validation happens when
// the collectors are created (see CollectorSet), on the same document.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "config/exporter_config.hpp"

namespace pe::host {

struct ConfigOverrides {
  std::vector<std::string> listen_addresses;  // --web.listen-address (replaces the file's)
  std::string plugin_dir;                     // --plugin.dir
};

struct LoadResult {
  std::optional<ExporterConfig> config;  // set when there were no errors so far
  ConfigErrors errors;
  // When the file parsed but has errors: what could be read, so that the
  // plugins of the collectors whose plugin was found can still check their
  // sections (check_configuration in collect/collector_factory.hpp).
  std::shared_ptr<ExporterConfig> partial;
};

// The largest configuration file read (a bigger one, or an endless one such
// as /dev/zero, is an error).
constexpr std::size_t kMaxConfigFileBytes = 16u << 20;

LoadResult load_config_file(const std::string& path, const ConfigOverrides& overrides);
LoadResult load_config_text(const std::string& text, const std::string& display_name,
                            const ConfigOverrides& overrides);

class TableView;
// The [[<key>]] relabel rules of `parent`, compiled to check them (errors
// go to the document). Shared by [[relabel]], [[collector.relabel]] and
// [[remote_write.write_relabel]].
std::vector<RelabelRule> read_relabel_rules(TableView parent, std::string_view key);

// Where plugins are looked up when neither the file nor the flags say.
std::string default_plugin_dir();

}  // namespace pe::host
