// round_builder.cpp — one round's samples, deduplicated, with stale markers.
#include "remote_write/round_builder.hpp"

#include "remote_write/series_key.hpp"

namespace pe::host::remote_write {
namespace {

bool created_sample(const Family& f, std::string_view sample_name) {
  if (f.type != MetricType::counter && f.type != MetricType::histogram &&
      f.type != MetricType::summary && f.type != MetricType::gaugehistogram)
    return false;
  constexpr std::string_view suffix = "_created";
  return sample_name.size() > suffix.size() &&
         sample_name.compare(sample_name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

RoundBuilder::RoundBuilder(std::vector<std::pair<std::string, std::string>> external_labels,
                           const std::vector<RelabelRule>& write_relabel)
    : external_labels_(std::move(external_labels)) {
  std::string error;
  std::size_t bad = 0;
  if (auto p = RelabelProgram::compile(write_relabel, error, bad)) relabel_ = std::move(*p);
}

std::span<const SeriesSample> RoundBuilder::build(std::span<const MetricSet* const> sources,
                                                  int64_t now_ms, RoundStats& stats) {
  work_.clear();
  // Copies of the samples (views into the sources) with external labels.
  for (const MetricSet* set : sources) {
    for (const Family& f : set->families) {
      work_.add_family(f.name, f.type, f.help, f.has_help, f.unit);
      for (const Sample& s : set->samples_of(f)) {
        if (created_sample(f, s.name)) continue;
        label_buf_.assign(set->labels_of(s).begin(), set->labels_of(s).end());
        for (const auto& [name, value] : external_labels_) {
          bool present = false;
          for (const Label& l : set->labels_of(s)) present |= l.name == name;
          if (!present) label_buf_.push_back(Label{name, value});
        }
        Sample& copy = work_.add_sample(s.name, label_buf_, s.value);
        copy.timestamp_ms = s.timestamp_ms;
        copy.has_timestamp = s.has_timestamp;
      }
    }
  }
  if (!relabel_.empty()) stats.relabel_dropped += relabel_.apply(work_).samples_dropped;

  previous_.swap(current_);
  current_.clear();
  current_.reserve(previous_.size() + previous_.size() / 8 + 16);
  out_.clear();
  for (const Family& f : work_.families) {
    for (const Sample& s : work_.samples_of(f)) {
      pairs_.clear();
      pairs_.emplace_back("__name__", s.name);
      for (const Label& l : work_.labels_of(s))
        if (!l.value.empty()) pairs_.emplace_back(l.name, l.value);
      make_series_key(pairs_, key_);
      auto [it, inserted] = current_.insert(key_);
      if (!inserted) {
        ++stats.duplicates;
        continue;
      }
      out_.push_back(SeriesSample{*it, s.value, s.has_timestamp ? s.timestamp_ms : now_ms, f.type,
                                  f.help, f.unit});
    }
  }
  for (const std::string& gone : previous_) {
    if (current_.count(gone)) continue;
    out_.push_back(SeriesSample{gone, stale_nan(), now_ms, MetricType::unknown, {}, {}});
    ++stats.stale_markers;
  }
  return out_;
}

}  // namespace pe::host::remote_write
