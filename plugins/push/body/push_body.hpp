// push_body.hpp — decodes the body of a push into families: undoes
// Content-Encoding (gzip, with a cap on the decompressed size), picks the
// format from Content-Type (the varint-delimited protobuf MetricFamily
// stream, OpenMetrics, or Prometheus text 0.0.4 — the default, as with
// pushgateway; a text body ending in "# EOF" is read as OpenMetrics) and
// parses it strictly. Invalid input throws PushError (400, or 413 for size
// limits) with the line and column or the series at fault.
#pragma once

#include <cstddef>
#include <string_view>

#include "store/family_assembler.hpp"
#include "store/grouping_key.hpp"

namespace pe::push {

enum class BodyFormat { text, openmetrics, protobuf };

// The format a Content-Type header announces (text when empty or unknown).
BodyFormat body_format_of(std::string_view content_type);

struct BodyLimits {
  AssemblyRules rules;
  std::size_t max_decompressed_bytes = 0;  // 0 = unlimited
};

void decode_push_body(std::string_view body, std::string_view content_type,
                      std::string_view content_encoding, const GroupingKey& key,
                      const BodyLimits& limits, PushedFamilies& out);

// The exposition-text path alone (used by decode_push_body and the fuzzers).
void decode_text_body(std::string_view text, bool openmetrics, bool detect, const GroupingKey& key,
                      const AssemblyRules& rules, PushedFamilies& out);

}  // namespace pe::push
