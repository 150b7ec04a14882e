// check_metrics_command.hpp — `plugin_exporter check-metrics`: validates
// exposition text on stdin like `promtool check metrics`.
#pragma once

namespace pe::host {

// argv[0] is "check-metrics". Exit code: 0 valid, 1 invalid, 2 usage.
int run_check_metrics(int argc, char** argv);

}  // namespace pe::host
