// round_builder.hpp — turns one collection round (the MetricSets of the
// selected collectors) into the samples to send: _created samples left out
// (as Prometheus does when it scrapes OpenMetrics), external labels added
// where a series lacks them, write_relabel applied, each sample stamped with
// the round's time unless it carries its own, duplicate series dropped, and
// a staleness marker for every series of the previous round that is gone.
//
// Thread-safety: none; one collecting thread owns it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "plugin_exporter/exposition/metric_set.hpp"
#include "plugin_exporter/exposition/relabel.hpp"
#include "remote_write/series_key.hpp"
#include "remote_write/write_request_encoder.hpp"

namespace pe::host::remote_write {

struct RoundStats {
  uint64_t duplicates = 0;
  uint64_t relabel_dropped = 0;
  uint64_t stale_markers = 0;
};

class RoundBuilder {
 public:
  // `write_relabel` must compile (the configuration was validated).
  RoundBuilder(std::vector<std::pair<std::string, std::string>> external_labels,
               const std::vector<RelabelRule>& write_relabel);

  // The samples of this round, valid until the next build(). Stale markers
  // come last.
  std::span<const SeriesSample> build(std::span<const MetricSet* const> sources, int64_t now_ms,
                                      RoundStats& stats);

  std::size_t active_series() const noexcept { return current_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> external_labels_;
  RelabelProgram relabel_;
  MetricSet work_;
  std::unordered_set<std::string> current_, previous_;
  std::vector<SeriesSample> out_;
  std::vector<Label> label_buf_;
  std::vector<LabelPair> pairs_;
  std::string key_;
};

}  // namespace pe::host::remote_write
