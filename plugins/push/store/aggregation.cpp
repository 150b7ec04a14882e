// aggregation.cpp — combining a pushed family with the stored one.
#include "store/aggregation.hpp"

#include <algorithm>

#include "store/glob_pattern.hpp"

namespace pe::push {
namespace {

enum class Combine { add, gauge, last };

Combine combine_for(MetricType type, std::string_view family, std::string_view sample) {
  std::string_view suffix = sample.size() > family.size() && sample.starts_with(family)
                                ? sample.substr(family.size())
                                : std::string_view();
  switch (type) {
    case MetricType::counter:
      return suffix == "_created" ? Combine::last : Combine::add;
    case MetricType::histogram:
      return suffix == "_bucket" || suffix == "_sum" || suffix == "_count" ? Combine::add
                                                                           : Combine::last;
    case MetricType::summary:
      return suffix == "_sum" || suffix == "_count" ? Combine::add : Combine::last;
    case MetricType::gauge:
    case MetricType::unknown:
    case MetricType::gaugehistogram:
      return Combine::gauge;
    case MetricType::info:
    case MetricType::stateset:
      return Combine::last;
  }
  return Combine::last;
}

}  // namespace

bool parse_gauge_rule(std::string_view s, GaugeRule& out) {
  if (s == "last")
    out = GaugeRule::last;
  else if (s == "sum")
    out = GaugeRule::sum;
  else if (s == "max")
    out = GaugeRule::max;
  else if (s == "min")
    out = GaugeRule::min;
  else
    return false;
  return true;
}

std::string_view to_string(GaugeRule rule) {
  switch (rule) {
    case GaugeRule::last:
      return "last";
    case GaugeRule::sum:
      return "sum";
    case GaugeRule::max:
      return "max";
    case GaugeRule::min:
      return "min";
  }
  return "last";
}

GaugeRule AggregationRules::gauge_rule_for(std::string_view family_name) const {
  for (const auto& [pattern, rule] : gauge_rules)
    if (glob_match(pattern, family_name)) return rule;
  return default_gauge;
}

std::shared_ptr<StoredFamily> aggregate_family(
    const StoredFamily* stored, const StoredFamily& pushed, GaugeRule gauge_rule,
    const PusherState* previous, std::vector<std::pair<uint64_t, double>>* pusher_out) {
  auto out = std::make_shared<StoredFamily>(pushed.name(), pushed.type(), pushed.help(),
                                            pushed.has_help(), pushed.unit());
  if (stored)
    for (const auto& s : stored->series()) out->append_from(*stored, s, s.value);
  for (const auto& p : pushed.series()) {
    const Combine how = combine_for(pushed.type(), pushed.name(), pushed.str(p.name));
    const bool additive =
        how == Combine::add || (how == Combine::gauge && gauge_rule == GaugeRule::sum);
    double contribution = p.value;
    if (additive && previous) {
      if (const double* before = previous->find(p.hash)) {
        if (how == Combine::add)
          contribution = p.value >= *before ? p.value - *before : p.value;
        else
          contribution = p.value - *before;  // a summed gauge: this pusher's change
      }
    }
    if (pusher_out) pusher_out->emplace_back(p.hash, p.value);
    long i = stored ? stored->find(p.hash) : -1;
    if (i < 0) {
      out->append_from(pushed, p, p.value);
      continue;
    }
    const double old = stored->series()[static_cast<std::size_t>(i)].value;
    double v = p.value;
    if (additive) {
      v = old + contribution;
    } else if (how == Combine::gauge && gauge_rule == GaugeRule::max) {
      v = std::max(old, p.value);
    } else if (how == Combine::gauge && gauge_rule == GaugeRule::min) {
      v = std::min(old, p.value);
    }
    out->set_value(static_cast<std::size_t>(i), v);
  }
  out->finish();
  return out;
}

}  // namespace pe::push
