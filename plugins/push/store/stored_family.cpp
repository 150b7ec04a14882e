// stored_family.cpp — packing series into a StoredFamily and finding them by
// identity.
#include "store/stored_family.hpp"

#include <algorithm>

#include "store/series_hash.hpp"

namespace pe::push {

uint64_t series_hash(std::string_view sample_name, std::span<const LabelPairView> sorted_labels) {
  SeriesHasher h;
  h.add(sample_name);
  for (const LabelPairView& l : sorted_labels) {
    h.add(l.name);
    h.add(l.value);
  }
  return h.value();
}

StoredFamily::StoredFamily(std::string_view name, MetricType type, std::string_view help,
                           bool has_help, std::string_view unit)
    : name_(name), help_(help), unit_(unit), type_(type), has_help_(has_help) {}

uint32_t StoredFamily::store_string(std::string_view s) {
  const auto at = static_cast<uint32_t>(strings_.size());
  strings_.append(s);
  strings_.push_back('\0');
  return at;
}

uint32_t StoredFamily::sample_name_offset(std::string_view s) {
  // Consecutive series mostly share their sample name (a histogram's
  // buckets, a gauge's label combinations): store it once per run.
  if (last_sample_name_ != UINT32_MAX && str(last_sample_name_) == s) return last_sample_name_;
  last_sample_name_ = store_string(s);
  return last_sample_name_;
}

std::size_t StoredFamily::append(std::string_view sample_name,
                                 std::span<const LabelPairView> labels, double value,
                                 bool has_timestamp, int64_t timestamp_ms) {
  LabelPairView sorted_small[16];
  std::vector<LabelPairView> sorted_big;
  std::span<LabelPairView> sorted;
  if (labels.size() <= 16) {
    std::copy(labels.begin(), labels.end(), sorted_small);
    sorted = std::span<LabelPairView>(sorted_small, labels.size());
  } else {
    sorted_big.assign(labels.begin(), labels.end());
    sorted = sorted_big;
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const LabelPairView& a, const LabelPairView& b) { return a.name < b.name; });
  Series s;
  s.hash = series_hash(sample_name, sorted);
  s.name = sample_name_offset(sample_name);
  s.label_begin = static_cast<uint32_t>(labels_.size());
  s.label_count = static_cast<uint32_t>(sorted.size());
  s.value = value;
  s.has_timestamp = has_timestamp ? 1 : 0;
  s.timestamp_ms = timestamp_ms;
  for (const LabelPairView& l : sorted) {
    uint32_t n = store_string(l.name);
    uint32_t v = store_string(l.value);
    labels_.push_back(LabelRef{n, v});
  }
  series_.push_back(s);
  return series_.size() - 1;
}

std::size_t StoredFamily::append_from(const StoredFamily& other, const Series& src, double value) {
  Series s = src;
  s.name = sample_name_offset(other.str(src.name));
  s.label_begin = static_cast<uint32_t>(labels_.size());
  s.value = value;
  for (const LabelRef& l : other.labels_of(src)) {
    uint32_t n = store_string(other.str(l.name));
    uint32_t v = store_string(other.str(l.value));
    labels_.push_back(LabelRef{n, v});
  }
  series_.push_back(s);
  return series_.size() - 1;
}

long StoredFamily::finish() {
  index_.clear();
  index_.reserve(series_.size());
  for (uint32_t i = 0; i < series_.size(); ++i) index_.emplace_back(series_[i].hash, i);
  std::sort(index_.begin(), index_.end());
  long duplicate = -1;
  for (std::size_t i = 1; i < index_.size(); ++i) {
    if (index_[i].first == index_[i - 1].first) {
      long later = std::max(index_[i].second, index_[i - 1].second);
      if (duplicate < 0 || later < duplicate) duplicate = later;
    }
  }
  strings_.shrink_to_fit();
  series_.shrink_to_fit();
  labels_.shrink_to_fit();
  return duplicate;
}

long StoredFamily::find(uint64_t hash) const noexcept {
  auto it = std::lower_bound(index_.begin(), index_.end(), std::make_pair(hash, uint32_t{0}));
  if (it == index_.end() || it->first != hash) return -1;
  return it->second;
}

std::size_t StoredFamily::memory_bytes() const noexcept {
  return sizeof(*this) + name_.capacity() + help_.capacity() + unit_.capacity() +
         strings_.capacity() + series_.capacity() * sizeof(Series) +
         labels_.capacity() * sizeof(LabelRef) + index_.capacity() * sizeof(index_[0]);
}

}  // namespace pe::push
