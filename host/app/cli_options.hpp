// cli_options.hpp — command-line flags in the style of the Go exporters
// (--config.file, --web.listen-address, --log.level, --log.format, ...).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/logging.hpp"

namespace pe::host {

struct CliOptions {
  std::string config_file = "/etc/plugin_exporter/plugin_exporter.toml";
  std::vector<std::string> listen_addresses;  // overrides [web].listen_addresses
  std::string plugin_dir;                     // overrides plugin_dir
  LogLevel log_level = LogLevel::info;
  LogFormat log_format = LogFormat::logfmt;
  bool check_config = false;
  bool show_version = false;
  bool show_help = false;
};

struct CliParse {
  std::optional<CliOptions> options;
  std::string error;  // set when options is empty
};

CliParse parse_cli(int argc, char** argv);
std::string cli_help(const char* program);
std::string version_text();

}  // namespace pe::host
