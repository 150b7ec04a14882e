// status_json.hpp — the status page's JSON twin (GET /api/v1/exporter/status):
// the same snapshot the HTML page renders, for scripts.
#pragma once

#include <string>

#include "http/status_snapshot.hpp"

namespace pe::host {

std::string status_json(const StatusSnapshot& s);

}  // namespace pe::host
