// metric_sink.hpp — C++ side of the host's metrics sink for one collect:
// families, samples (labels as string pairs, or without any allocation as the
// ABI's pe_label array), exposition text, error reason.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugin_exporter/exposition/metric_set.hpp"
#include "plugin_exporter/plugin.h"

namespace pe {

// Thread-safety: one collect's, on the collect thread (plugin.h: the sink is
// valid only during collect); not shared.
class MetricSink {
 public:
  MetricSink(const pe_host_api* api, pe_sink* sink) : api_(api), sink_(sink) {}

  using LabelPairs = std::span<const std::pair<std::string, std::string>>;

  // Starts a family. False if the host refused it (invalid name / limit).
  bool family(const std::string& name, MetricType type, const std::string& help = {},
              const std::string& unit = {});
  // A sample of the current family; `name` empty = the family's name.
  bool sample(const std::string& name, LabelPairs labels, double value);
  bool sample(const std::string& name,
              std::initializer_list<std::pair<std::string, std::string>> labels, double value);
  bool sample_at(const std::string& name, LabelPairs labels, double value, int64_t timestamp_ms);
  // The same without copying or allocating (a hot path): NUL-terminated
  // strings the caller keeps alive for the call; `name` nullptr or "" = the
  // family's name.
  bool sample_fast(const char* name, std::span<const pe_label> labels, double value) {
    return emit(name && *name ? name : nullptr, labels.data(), labels.size(), value, 0, false);
  }
  // A family with one unlabelled sample.
  bool gauge(const std::string& name, const std::string& help, double value);

  // Exposition text (0.0.4 or OpenMetrics) parsed by the host; with
  // skip_invalid_lines, unparsable lines are dropped (counted) instead of
  // failing the whole text.
  pe_status text(std::string_view data, pe_format format = PE_FORMAT_AUTO,
                 bool skip_invalid_lines = false);
  // A figure about this collect, exported by the host as
  // plugin_exporter_collector_<name>{collector,plugin}.
  void stat(const std::string& name, double value, const std::string& help = {});
  // Everything in a MetricSet, family by family.
  pe_status metric_set(const MetricSet& set);

  void error(const std::string& message);
  bool limit_reached() const noexcept { return limit_reached_; }

  pe_sink* raw() const noexcept { return sink_; }
  const pe_host_api* api() const noexcept { return api_; }

 private:
  bool emit(const char* name, const pe_label* labels, std::size_t count, double value,
            int64_t timestamp_ms, bool has_timestamp);
  const pe_host_api* api_;
  pe_sink* sink_;
  std::vector<pe_label> scratch_;
  bool limit_reached_ = false;
};

}  // namespace pe
