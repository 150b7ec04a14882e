// stored_family.hpp — one metric family as the push store keeps it: name,
// type, help, unit, and its series (sample name, own labels without the
// group's grouping labels, value, optional timestamp) packed into a few flat
// vectors with NUL-terminated strings, so a scrape hands them to the host
// without copying. Built once, then shared read-only (copy-on-write): a
// published StoredFamily is never modified, a change builds a new one.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::push {

struct LabelPairView {
  std::string_view name;
  std::string_view value;
};

class StoredFamily {
 public:
  struct LabelRef {
    uint32_t name;  // offsets of NUL-terminated strings in strings()
    uint32_t value;
  };
  struct Series {
    uint64_t hash = 0;         // identity: sample name + labels (see series_hash.hpp)
    uint32_t name = 0;         // offset of the NUL-terminated sample name
    uint32_t label_begin = 0;  // into labels()
    uint32_t label_count = 0;
    uint32_t has_timestamp = 0;
    double value = 0;
    int64_t timestamp_ms = 0;
  };

  StoredFamily(std::string_view name, MetricType type, std::string_view help, bool has_help,
               std::string_view unit);

  const std::string& name() const noexcept { return name_; }
  MetricType type() const noexcept { return type_; }
  const std::string& help() const noexcept { return help_; }
  bool has_help() const noexcept { return has_help_; }
  const std::string& unit() const noexcept { return unit_; }

  std::span<const Series> series() const noexcept { return series_; }
  std::size_t size() const noexcept { return series_.size(); }
  std::span<const LabelRef> labels_of(const Series& s) const noexcept {
    return {labels_.data() + s.label_begin, s.label_count};
  }
  const char* c_str(uint32_t offset) const noexcept { return strings_.data() + offset; }
  std::string_view str(uint32_t offset) const noexcept { return c_str(offset); }

  // Index of the series with this identity hash, or -1.
  long find(uint64_t hash) const noexcept;

  // --- building (before the family is shared) ---

  // Appends a series; `labels` in any order (stored sorted by name). Returns
  // its index.
  std::size_t append(std::string_view sample_name, std::span<const LabelPairView> labels,
                     double value, bool has_timestamp = false, int64_t timestamp_ms = 0);
  // Appends a copy of series `i` of `other` with another value.
  std::size_t append_from(const StoredFamily& other, const Series& s, double value);
  void set_value(std::size_t index, double value) noexcept { series_[index].value = value; }
  void set_help(std::string_view help, bool has_help) {
    help_ = help;
    has_help_ = has_help;
  }
  // Sorts the lookup index; returns the index of a series whose identity
  // repeats an earlier one, or -1 when every series is distinct.
  long finish();

  // Approximate heap bytes held (for the memory figures).
  std::size_t memory_bytes() const noexcept;

 private:
  uint32_t store_string(std::string_view s);
  uint32_t sample_name_offset(std::string_view s);

  std::string name_, help_, unit_;
  MetricType type_;
  bool has_help_;
  std::string strings_;  // NUL-terminated strings back to back
  std::vector<Series> series_;
  std::vector<LabelRef> labels_;
  std::vector<std::pair<uint64_t, uint32_t>> index_;  // (hash, series index) sorted
  uint32_t last_sample_name_ = UINT32_MAX;
};

using FamilyPtr = std::shared_ptr<const StoredFamily>;

// The identity hash of a series from its parts (labels sorted by name).
uint64_t series_hash(std::string_view sample_name, std::span<const LabelPairView> sorted_labels);

}  // namespace pe::push
