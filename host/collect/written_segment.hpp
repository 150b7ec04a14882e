// written_segment.hpp — the bytes one collector's result was written as in
// an exposition, kept beside that result while it is unchanged: a later
// scrape that merges the same result the same way copies them instead of
// writing every family again (MetricMerger). A Collector hands out one memo
// per distinct result (collector.cpp: a result equal to the previous one
// gets the previous one's memo), so the bytes are never those of other data.
//
// Thread-safety: SegmentMemo may be used from any thread; a WrittenSegment
// is immutable once put.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plugin_exporter/exposition/exposition_format.hpp"

namespace pe::host {

struct WrittenSegment {
  ExpositionFormat format = ExpositionFormat::text;
  // The merge decisions the bytes depend on beyond the result itself: for
  // each of the source's families in order, whether an OpenMetrics counter
  // was written as unknown "x_total" because another family is named "x".
  std::vector<bool> stems_taken;
  std::string bytes;
  uint64_t duplicates = 0;  // what writing them counted (MergeStats)
  uint64_t families = 0;
  uint64_t samples = 0;
};

class SegmentMemo {
 public:
  std::shared_ptr<const WrittenSegment> get(ExpositionFormat format) const {
    std::lock_guard lock(mu_);
    return format == ExpositionFormat::openmetrics ? openmetrics_ : text_;
  }
  void put(std::shared_ptr<const WrittenSegment> segment) {
    std::lock_guard lock(mu_);
    (segment->format == ExpositionFormat::openmetrics ? openmetrics_ : text_) = std::move(segment);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const WrittenSegment> text_;
  std::shared_ptr<const WrittenSegment> openmetrics_;
};

}  // namespace pe::host
