// exposition_check.cpp — re-parse of a refused text for its error position.
#include "exposition_check.hpp"

#include "plugin_exporter/exposition/text_parser.hpp"

namespace pe::proxy {

std::optional<std::string> explain_parse_failure(std::string_view text, pe_format format) {
  MetricSet scratch;
  ParseOptions options;  // as the host's sink parses: lenient, all or nothing
  options.format = format == PE_FORMAT_OPENMETRICS ? ExpositionFormat::openmetrics
                                                   : ExpositionFormat::text;
  options.detect_format = format == PE_FORMAT_AUTO;
  options.reference_input = true;
  ParseResult r = parse_exposition(text, scratch, options);
  if (r.ok) return std::nullopt;
  return r.error.to_string();
}

}  // namespace pe::proxy
