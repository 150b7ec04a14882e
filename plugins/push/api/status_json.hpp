// status_json.hpp — the store as JSON for tooling, in the shape of
// pushgateway's GET /api/v1/metrics ({"status":"success","data":[group...]},
// each group with its labels, last_push_successful, and one entry per
// family with time_stamp, type, help and metrics), plus our own fields
// (ttl_seconds, expires_at, aggregate).
#pragma once

#include <string>
#include <vector>

#include "store/group_state.hpp"

namespace pe::push {

std::string groups_json(const std::vector<GroupPtr>& groups);

}  // namespace pe::push
