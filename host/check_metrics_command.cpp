// check_metrics_command.cpp — strict parse of stdin in the chosen (or
// detected) format; each problem printed as "line:column: message".
#include "check_metrics_command.hpp"

#include <iostream>
#include <iterator>
#include <string>
#include <string_view>

#include "plugin_exporter/exposition/text_parser.hpp"

namespace pe::host {

int run_check_metrics(int argc, char** argv) {
  ParseOptions options;
  options.strict = true;
  options.detect_format = true;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--format=text") {
      options.format = ExpositionFormat::text;
      options.detect_format = false;
    } else if (arg == "--format=openmetrics") {
      options.format = ExpositionFormat::openmetrics;
      options.detect_format = false;
    } else if (arg == "-h" || arg == "--help") {
      std::cout << "usage: plugin_exporter check-metrics [--format=text|openmetrics] < FILE\n"
                   "Validates Prometheus text 0.0.4 or OpenMetrics 1.0 (detected by its\n"
                   "\"# EOF\" line unless --format says) and prints line:column: problem.\n";
      return 0;
    } else {
      std::cerr << "check-metrics: unknown argument " << arg << " (see --help)\n";
      return 2;
    }
  }
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  MetricSet set;
  ParseResult r = parse_exposition(input, set, options);
  if (!r.ok) {
    std::cerr << r.error.to_string() << "\n";
    return 1;
  }
  std::cout << "OK: " << set.families.size() << " families, " << r.samples << " samples ("
            << (r.format == ExpositionFormat::openmetrics ? "OpenMetrics 1.0" : "text 0.0.4")
            << ")\n";
  return 0;
}

}  // namespace pe::host
