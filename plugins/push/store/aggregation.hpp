// aggregation.hpp — how a push adds into an aggregating group. Counters,
// histogram buckets/_sum/_count and summary _sum/_count are added; gauges
// (and untyped, gauge histograms) follow a rule chosen per metric name (last
// write by default, or sum, max, min); everything else (quantiles, _created,
// info, stateset) is last write. A pusher that sends cumulative values
// ("?pusher=<id>") contributes only its increase since its previous push (a
// decrease of a counter is a restart: the new value counts whole), so it is
// not double-counted.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/group_state.hpp"
#include "store/stored_family.hpp"

namespace pe::push {

enum class GaugeRule { last, sum, max, min };

bool parse_gauge_rule(std::string_view s, GaugeRule& out);
std::string_view to_string(GaugeRule rule);

struct AggregationRules {
  GaugeRule default_gauge = GaugeRule::last;
  std::vector<std::pair<std::string, GaugeRule>> gauge_rules;  // glob on family name, first wins
  GaugeRule gauge_rule_for(std::string_view family_name) const;
};

// stored ⊕ pushed (same name and type; stored may be null). `previous` is
// the pusher's state before this push (null for delta pushes or a new
// pusher); when `pusher_out` is given, the pusher's new values for this
// family's series are appended to it.
std::shared_ptr<StoredFamily> aggregate_family(
    const StoredFamily* stored, const StoredFamily& pushed, GaugeRule gauge_rule,
    const PusherState* previous, std::vector<std::pair<uint64_t, double>>* pusher_out);

}  // namespace pe::push
