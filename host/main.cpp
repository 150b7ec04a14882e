// main.cpp — plugin_exporter's entry point: flags, then one of --help,
// --version, check-metrics, --check-config, or run the exporter.
#include <malloc.h>

#include <cstring>
#include <iostream>

#include "app/cli_options.hpp"
#include "app/exporter.hpp"
#include "base/logging.hpp"
#include "check_metrics_command.hpp"
#include "isolation/collector_runner.hpp"

int main(int argc, char** argv) {
  using namespace pe::host;
  // glibc gives every thread that allocates its own arena and keeps what
  // each arena once held: with 16 HTTP threads each writing a scrape, that
  // is most of our resident memory. Two arenas serve our threads as well.
  mallopt(M_ARENA_MAX, 2);
  // The child of a collector with isolation = "process" (not in --help).
  if (argc >= 2 && std::strcmp(argv[1], isolation::kRunnerFlag) == 0)
    return isolation::run_collector_runner(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "check-metrics") == 0)
    return run_check_metrics(argc - 1, argv + 1);

  CliParse parsed = parse_cli(argc, argv);
  if (!parsed.options) {
    std::cerr << "plugin_exporter: " << parsed.error << "\n";
    return 2;
  }
  const CliOptions& options = *parsed.options;
  if (options.show_help) {
    std::cout << cli_help(argv[0]);
    return 0;
  }
  if (options.show_version) {
    std::cout << version_text();
    return 0;
  }
  setup_logging(options.log_level, options.log_format);
  if (options.check_config) return check_config(options);
  return run_exporter(options);
}
