// metric_merger.hpp — writes the results of several collectors as one valid
// exposition: families of the same name become one family (HELP/TYPE once,
// from the first source that has them), duplicate series are dropped and
// counted, and a family whose type disagrees with the first source's is
// dropped from the later source and counted (deterministic: configuration
// order wins). In OpenMetrics, a counter "x_total" beside a family "x" is
// written as unknown "x_total" (see text_writer.cpp). Nothing is copied: the writer reads the
// sources in place. A source sharing no family with another, whose result
// is unchanged since an earlier merge, is not written again: the bytes kept
// in its memo are (see written_segment.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "collect/written_segment.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"
#include "plugin_exporter/exposition/text_writer.hpp"

namespace pe::host {

struct MergeSource {
  const MetricSet* set;
  std::string_view name;  // collector name, for the statistics
  // Where the bytes `set` was written as are kept (optional): a source that
  // shares no family with another source is written the same way each time,
  // so an earlier writing of the same set is copied instead.
  SegmentMemo* memo = nullptr;
};

struct MergeStats {
  struct PerSource {
    uint64_t duplicates = 0;        // series already written by an earlier sample
    uint64_t conflict_samples = 0;  // samples of families dropped for a type conflict
    std::vector<std::string_view> conflicting_families;
  };
  std::vector<PerSource> sources;  // parallel to the sources given
  uint64_t families = 0;
  uint64_t samples = 0;
};

class MetricMerger {
 public:
  // Writes every source through `writer` (family_header + sample calls).
  // Reusable: internal buffers are kept between calls.
  void write(std::span<const MergeSource> sources, ExpositionWriter& writer, MergeStats& stats);

 private:
  struct Part {
    uint32_t source;
    const Family* family;
  };
  struct Group {
    uint32_t source;  // the source that declared it first
    MetricType type;
    Family header;                    // name/type/unit/help as written
    bool counter_stem_taken = false;  // OpenMetrics: a counter "x_total" beside a family "x"
    std::vector<Part> parts;
  };
  struct Slot {
    uint64_t hash;
    uint32_t source;
    uint32_t sample;  // index into that source's samples; UINT32_MAX = empty
  };
  bool seen_before(std::span<const MergeSource> sources, uint32_t source, uint32_t sample_index);
  void write_group(std::span<const MergeSource> sources, const Group& g, ExpositionWriter& writer,
                   MergeStats& stats);
  // Writes groups_[begin, end), the groups of one source that shares none,
  // or copies the bytes its memo kept of an earlier writing.
  void write_own_groups(std::span<const MergeSource> sources, std::size_t begin, std::size_t end,
                        ExpositionWriter& writer, MergeStats& stats);

  std::vector<Group> groups_;
  std::vector<uint8_t> shares_;  // per source: a family of it met another source's
  std::vector<Slot> slots_;
  std::size_t slot_mask_ = 0;
};

}  // namespace pe::host
