// status_json.hpp — the status page's JSON twin (GET /api/v1/exporter/status):
// the same snapshot the HTML page renders, for scripts.
#pragma once

#include <string>

#include "http/status_snapshot.hpp"

namespace pe::host {

// Parts that do not exist in this version, named in the JSON and on the page.
inline constexpr const char* kIsolationUnavailable =
    "process isolation (isolation = \"process\") is not implemented in this version; "
    "a collector whose plugin crashed the exporter is quarantined (health \"quarantined\")";

std::string status_json(const StatusSnapshot& s);

}  // namespace pe::host
