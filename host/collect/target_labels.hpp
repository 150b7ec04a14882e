// target_labels.hpp — adds a collector's static labels to every sample of its
// result. On a clash with a label the source already has, ours win and the
// source's moves to "exported_<name>" (Prometheus's honor_labels = false);
// with honor_labels = true the source's value is kept and ours skipped.
#pragma once

#include <span>
#include <string>
#include <utility>

#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host {

void apply_target_labels(MetricSet& set,
                         std::span<const std::pair<std::string, std::string>> labels,
                         bool honor_labels);

}  // namespace pe::host
