// text_parser.hpp — parses Prometheus text 0.0.4 and OpenMetrics 1.0 into a
// MetricSet. One parser, two strictness levels: `strict` rejects whatever the
// specification forbids (the OpenMetrics conformance suite passes in strict
// OpenMetrics mode); lenient accepts what Prometheus's own scraper accepts.
// Every rejection carries the line, the column and why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plugin_exporter/exposition/exposition_format.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe {

struct ParseOptions {
  ExpositionFormat format = ExpositionFormat::text;
  // Detect OpenMetrics by a trailing "# EOF" line instead of trusting `format`.
  bool detect_format = false;
  bool strict = false;
  // Lenient mode only: skip a line that fails to parse (counted in
  // ParseResult::skipped_lines) instead of rejecting the whole input.
  bool skip_invalid_lines = false;
  // 0 = unlimited. Exceeding a limit fails the parse with a clear message.
  std::size_t max_samples = 0;
  std::size_t max_bytes = 0;
  // If true, string_views in the output may point into `input`, which the
  // caller then keeps alive as long as the MetricSet. If false, everything
  // the set references is copied into its arena.
  bool reference_input = false;
};

struct ParseError {
  std::size_t line = 0;    // 1-based; 0 when not tied to a position
  std::size_t column = 0;  // 1-based byte column
  std::string message;
  // "line:column: message" (or just the message without a position).
  std::string to_string() const;
};

struct ParseResult {
  bool ok = true;
  ParseError error;                                  // set when !ok
  std::size_t samples = 0;                           // samples appended to the set
  std::size_t skipped_lines = 0;                     // with skip_invalid_lines
  ParseError first_skipped;                          // the first skipped line's reason, if any
  ExpositionFormat format = ExpositionFormat::text;  // what was parsed
};

// Appends what `input` holds to `out`. On failure `out` may hold a prefix of
// the input's content; callers that need all-or-nothing parse into a scratch
// set. Thread-safe (no shared state).
ParseResult parse_exposition(std::string_view input, MetricSet& out, const ParseOptions& options);

}  // namespace pe
