// cli_options.cpp — flag parsing (--flag=value and --flag value), help, version.
#include "app/cli_options.hpp"

#include <string_view>

#include "base/build_info.hpp"
#include "plugin_exporter/plugin.h"

namespace pe::host {

CliParse parse_cli(int argc, char** argv) {
  CliParse r;
  CliOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string name(arg), value;
    bool has_value = false;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
      has_value = true;
    }
    auto take = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= argc) {
        r.error = "flag " + name + " needs a value";
        return false;
      }
      value = argv[++i];
      return true;
    };
    if (name == "-h" || name == "--help") {
      o.show_help = true;
    } else if (name == "--version") {
      o.show_version = true;
    } else if (name == "--check-config") {
      o.check_config = true;
    } else if (name == "--config.file") {
      if (!take()) return r;
      o.config_file = value;
    } else if (name == "--web.listen-address") {
      if (!take()) return r;
      o.listen_addresses.push_back(value);
    } else if (name == "--plugin.dir") {
      if (!take()) return r;
      o.plugin_dir = value;
    } else if (name == "--log.level") {
      if (!take()) return r;
      auto l = parse_log_level(value);
      if (!l) {
        r.error = "--log.level: \"" + value + "\" is not one of debug, info, warn, error";
        return r;
      }
      o.log_level = *l;
    } else if (name == "--log.format") {
      if (!take()) return r;
      auto f = parse_log_format(value);
      if (!f) {
        r.error = "--log.format: \"" + value + "\" is not one of logfmt, json";
        return r;
      }
      o.log_format = *f;
    } else {
      r.error = "unknown flag " + std::string(arg) + " (see --help)";
      return r;
    }
  }
  r.options = o;
  return r;
}

std::string cli_help(const char* program) {
  std::string p = program ? program : "plugin_exporter";
  return "usage: " + p +
         " [<flags>]\n"
         "       " +
         p +
         " check-metrics [--format=text|openmetrics] < FILE\n"
         "\n"
         "Prometheus exporter that hosts collector plugins: PostgreSQL servers, other\n"
         "exporters and .prom files, programs run on scrape, and pushed metrics, served\n"
         "as one /metrics on one port.\n"
         "\n"
         "Flags:\n"
         "  -h, --help                  Show this help and exit.\n"
         "      --version               Show version information and exit.\n"
         "      --config.file=PATH      Configuration file (TOML).\n"
         "                              Default: /etc/plugin_exporter/plugin_exporter.toml\n"
         "      --check-config          Validate the configuration (including every plugin's\n"
         "                              section) and exit: 0 if valid, 1 with\n"
         "                              file:line:column: key: problem lines otherwise.\n"
         "      --web.listen-address=ADDR\n"
         "                              Address to listen on (repeatable), e.g. :9777,\n"
         "                              127.0.0.1:9777, [::1]:9777. Overrides [web].\n"
         "      --plugin.dir=DIR        Directory the plugins are loaded from.\n"
         "      --log.level=LEVEL       debug, info, warn or error. Default: info\n"
         "      --log.format=FORMAT     logfmt or json. Default: logfmt\n"
         "\n"
         "Commands:\n"
         "  check-metrics               Validate exposition text on stdin like\n"
         "                              `promtool check metrics`; line:column diagnostics.\n";
}

std::string version_text() {
  return std::string("plugin_exporter, version " PE_VERSION " (revision: ") + build_revision() +
         ")\n  plugin ABI: " + std::to_string(PE_ABI_MAJOR) + "." + std::to_string(PE_ABI_MINOR) +
         "\n  build: " __DATE__ " g++ " __VERSION__ "\n";
}

}  // namespace pe::host
