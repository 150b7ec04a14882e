// scrape_emitter.hpp — hands a snapshot of the store to the host's sink on
// scrape: one family per name across all groups (HELP from the most recent
// push), each series with its group's grouping labels and its own, plus
// instance="" when neither has an instance (as pushgateway exposes it, so
// that honor_labels scrapes do not attach the gateway's instance), and the
// per-group push_time_seconds / push_failure_time_seconds gauges. Strings
// are passed straight from the stored families (no copies).
#pragma once

#include <vector>

#include "plugin_exporter/plugin.h"
#include "store/group_state.hpp"

namespace pe::push {

// Returns PE_OK, or PE_LIMIT_EXCEEDED when the host's sample limit stopped it.
pe_status emit_groups(const std::vector<GroupPtr>& groups, const pe_host_api* api, pe_sink* sink);

}  // namespace pe::push
