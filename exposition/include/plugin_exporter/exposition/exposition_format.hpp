// exposition_format.hpp — the two exposition formats, their content types, and
// the choice between them from an HTTP Accept header (content negotiation).
#pragma once

#include <string_view>

namespace pe {

enum class ExpositionFormat {
  text,         // Prometheus text exposition format 0.0.4
  openmetrics,  // OpenMetrics 1.0.0 text
};

// "text/plain; version=0.0.4; charset=utf-8" or
// "application/openmetrics-text; version=1.0.0; charset=utf-8".
std::string_view content_type(ExpositionFormat format) noexcept;

// Picks the format for a scrape's Accept header the way Prometheus 2.x and 3.x
// send it (media types with version and q parameters). OpenMetrics only when
// the client ranks it at least as high as text; text when the header is empty,
// malformed, or asks for nothing we speak.
ExpositionFormat negotiate_format(std::string_view accept_header) noexcept;

// The format a response with this Content-Type carries (text by default).
ExpositionFormat format_from_content_type(std::string_view content_type) noexcept;

}  // namespace pe
