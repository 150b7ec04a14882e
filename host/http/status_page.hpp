// status_page.hpp — the status page at /: server-rendered HTML (a little
// inline CSS, no external assets) of a StatusSnapshot, every text
// HTML-escaped; and the script behind its health filter, search, sorting and
// pagination, served from /-/status.js so a strict Content-Security-Policy
// (script-src 'self') holds. The page works without the script (all rows shown).
#pragma once

#include <string>
#include <string_view>

#include "http/status_snapshot.hpp"

namespace pe::host {

inline constexpr std::string_view kStatusScriptPath = "/-/status.js";
inline constexpr std::string_view kStatusJsonPath = "/api/v1/exporter/status";
// Sent with the page: scripts from this origin only, no inline script.
inline constexpr std::string_view kStatusPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

std::string status_page_html(const StatusSnapshot& s);
std::string_view status_page_script();
// The effective configuration (redacted JSON) as a readable HTML page.
std::string configz_html(std::string_view configz_json);

}  // namespace pe::host
