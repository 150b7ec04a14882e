// metric_set.hpp — the in-memory model of an exposition: families, their
// samples, labels and exemplars, in flat vectors whose strings live in an
// arena. The parser fills it, relabelling edits it, the writer drains it.
// Reusing a cleared MetricSet costs no allocations in steady state.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "plugin_exporter/exposition/string_arena.hpp"

namespace pe {

// Values equal the C ABI's PE_TYPE_* constants.
enum class MetricType : uint8_t {
  unknown = 0,
  counter = 1,
  gauge = 2,
  histogram = 3,
  summary = 4,
  gaugehistogram = 5,
  info = 6,
  stateset = 7,
};

std::string_view to_string(MetricType type) noexcept;  // "counter", ..., "unknown"

struct Label {
  std::string_view name;
  std::string_view value;
};

struct Exemplar {
  uint32_t label_begin = 0;  // into MetricSet::labels
  uint32_t label_count = 0;
  double value = 0;
  double timestamp_seconds = 0;
  bool has_timestamp = false;
};

struct Sample {
  std::string_view name;     // full sample name: family name plus any suffix
  uint32_t label_begin = 0;  // into MetricSet::labels
  uint32_t label_count = 0;
  double value = 0;
  int64_t timestamp_ms = 0;  // valid if has_timestamp
  int32_t exemplar = -1;     // index into MetricSet::exemplars, or -1
  bool has_timestamp = false;
};

struct Family {
  std::string_view name;  // the family (metric) name as the source declared it
  std::string_view help;  // unescaped
  std::string_view unit;
  MetricType type = MetricType::unknown;
  bool has_help = false;      // a HELP line was present (help may still be empty)
  uint32_t sample_begin = 0;  // into MetricSet::samples; a family's samples are contiguous
  uint32_t sample_count = 0;
};

class MetricSet {
 public:
  std::vector<Family> families;
  std::vector<Sample> samples;
  std::vector<Label> labels;
  std::vector<Exemplar> exemplars;
  StringArena arena;

  // Reserves room for as many families, samples and labels as `like` holds
  // (a collector's next result is usually the size of its last): the set
  // then fills memory allocated once, not a vector doubling as it grows.
  void reserve_like(const MetricSet& like) {
    families.reserve(like.families.size());
    samples.reserve(like.samples.size());
    labels.reserve(like.labels.size());
  }

  // Copies `s` into the arena (views into the arena are stable).
  std::string_view intern(std::string_view s) { return arena.store(s); }

  // Appends a family; its strings must already be stable (interned or
  // otherwise outliving the set). Samples added next belong to it.
  Family& add_family(std::string_view name, MetricType type, std::string_view help = {},
                     bool has_help = false, std::string_view unit = {});

  // Appends a sample to the last family; `labels` are copied as views.
  Sample& add_sample(std::string_view name, std::span<const Label> sample_labels, double value);

  std::span<const Sample> samples_of(const Family& f) const {
    return {samples.data() + f.sample_begin, f.sample_count};
  }
  std::span<Sample> samples_of(const Family& f) {
    return {samples.data() + f.sample_begin, f.sample_count};
  }
  std::span<const Label> labels_of(const Sample& s) const {
    return {labels.data() + s.label_begin, s.label_count};
  }
  std::span<const Label> labels_of(const Exemplar& e) const {
    return {labels.data() + e.label_begin, e.label_count};
  }

  std::size_t sample_count() const noexcept { return samples.size(); }
  bool empty() const noexcept { return families.empty(); }

  // Forgets all content; keeps capacity and arena memory.
  void clear() noexcept;
};

}  // namespace pe
