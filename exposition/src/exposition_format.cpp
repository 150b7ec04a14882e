// exposition_format.cpp — content types of the two formats and the choice
// between them from a scrape's Accept header.
//
// Prometheus 2.x sends e.g.
//   application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,
//   text/plain;version=0.0.4;q=0.5,*/*;q=0.1
// and 3.x adds escaping= parameters and text/plain;version=1.0.0. We serve
// OpenMetrics 1.0.0 for openmetrics-text ranges of version 1.0.0 or 0.0.1 (or
// none), text 0.0.4 for text/plain ranges of any 0.x/1.x version and for
// wildcards; OpenMetrics wins only when its best q is >= the best text q.
#include "plugin_exporter/exposition/exposition_format.hpp"

#include <charconv>
#include <cstddef>

#include "plugin_exporter/text.hpp"

namespace pe {
namespace {

std::string_view unquote(std::string_view s) noexcept {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

// q-value in thousandths (0..1000); -1 if malformed.
int parse_q(std::string_view v) noexcept {
  v = unquote(v);
  if (v.empty() || v.size() > 5) return -1;
  if (v[0] == '1') {
    for (std::size_t i = 1; i < v.size(); ++i)
      if ((i == 1 && v[i] != '.') || (i > 1 && v[i] != '0')) return -1;
    return 1000;
  }
  if (v[0] != '0') return -1;
  if (v.size() == 1) return 0;
  if (v[1] != '.') return -1;
  int q = 0;
  int scale = 100;
  for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
    if (v[i] < '0' || v[i] > '9') return -1;
    q += (v[i] - '0') * scale;
  }
  return q;
}

struct MediaRange {
  std::string_view type;
  std::string_view version;
  int q = 1000;
  bool ok = true;
};

MediaRange parse_media_range(std::string_view range) noexcept {
  MediaRange m;
  std::size_t semi = range.find(';');
  m.type = trim(range.substr(0, semi));
  while (semi != std::string_view::npos) {
    const std::size_t next = range.find(';', semi + 1);
    const std::string_view param =
        trim(range.substr(semi + 1, next == std::string_view::npos ? next : next - semi - 1));
    semi = next;
    const std::size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = trim(param.substr(0, eq));
    const std::string_view value = trim(param.substr(eq + 1));
    if (iequals(key, "q")) {
      m.q = parse_q(value);
      if (m.q < 0) m.ok = false;
    } else if (iequals(key, "version")) {
      m.version = unquote(value);
    }
  }
  return m;
}

}  // namespace

std::string_view content_type(ExpositionFormat format) noexcept {
  return format == ExpositionFormat::openmetrics
             ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
             : "text/plain; version=0.0.4; charset=utf-8";
}

ExpositionFormat negotiate_format(std::string_view accept_header) noexcept {
  int best_text = -1;
  int best_om = -1;
  std::size_t pos = 0;
  while (pos <= accept_header.size()) {
    std::size_t comma = accept_header.find(',', pos);
    if (comma == std::string_view::npos) comma = accept_header.size();
    const MediaRange m = parse_media_range(accept_header.substr(pos, comma - pos));
    pos = comma + 1;
    if (!m.ok || m.type.empty()) continue;
    if (iequals(m.type, "application/openmetrics-text")) {
      if (m.version.empty() || m.version == "1.0.0" || m.version == "0.0.1")
        best_om = std::max(best_om, m.q);
    } else if (iequals(m.type, "text/plain")) {
      if (m.version.empty() || m.version.starts_with("0.") || m.version.starts_with("1."))
        best_text = std::max(best_text, m.q);
    } else if (iequals(m.type, "*/*") || iequals(m.type, "text/*")) {
      best_text = std::max(best_text, m.q);
    }
  }
  if (best_om > 0 && best_om >= best_text) return ExpositionFormat::openmetrics;
  return ExpositionFormat::text;
}

ExpositionFormat format_from_content_type(std::string_view ct) noexcept {
  const std::size_t semi = ct.find(';');
  return iequals(trim(ct.substr(0, semi)), "application/openmetrics-text")
             ? ExpositionFormat::openmetrics
             : ExpositionFormat::text;
}

}  // namespace pe
