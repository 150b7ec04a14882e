// family_assembler.cpp — the validation rules shared by every push body format.
#include "store/family_assembler.hpp"

#include <algorithm>

#include "plugin_exporter/exposition/metric_names.hpp"
#include "plugin_exporter/exposition/utf8.hpp"
#include "plugin_exporter/text.hpp"
#include "store/push_error.hpp"

namespace pe::push {
std::string describe_series(std::string_view sample_name, std::span<const LabelPairView> labels) {
  std::string out(sample_name);
  if (labels.empty()) return out;
  out += "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += std::string(labels[i].name) + "=" + quoted(labels[i].value);
  }
  return out + "}";
}

std::string describe_series(const StoredFamily& f, const StoredFamily::Series& s) {
  std::vector<LabelPairView> labels;
  for (const auto& l : f.labels_of(s)) labels.push_back({f.str(l.name), f.str(l.value)});
  return describe_series(f.str(s.name), labels);
}

bool FamilyAssembler::reserved_metric_name(std::string_view name) {
  return name == "push_time_seconds" || name == "push_failure_time_seconds" ||
         name.starts_with("plugin_exporter_");
}

void FamilyAssembler::family(std::string_view name, MetricType type, std::string_view help,
                             bool has_help, std::string_view unit, const std::string& where) {
  close_family();
  if (!is_valid_metric_name(name))
    throw PushError(400, where + "invalid metric name " + quoted(name));
  if (reserved_metric_name(name))
    throw PushError(400, where + "metric name " + quoted(name) +
                             " is reserved (push_time_seconds, push_failure_time_seconds and "
                             "plugin_exporter_* are the gateway's own)");
  if (!is_valid_utf8(help))
    throw PushError(400, where + "HELP of " + quoted(name) + " is not valid UTF-8");
  if (family_names_.contains(name))
    throw PushError(400, where + "metric family " + quoted(name) + " appears twice in the push");
  if (rules_.max_families_per_push && ++families_ > rules_.max_families_per_push)
    throw PushError(413,
                    "the push holds more than " + std::to_string(rules_.max_families_per_push) +
                        " metric families (limit max_families_per_push)",
                    "max_families_per_push");
  current_ = std::make_shared<StoredFamily>(name, type, help, has_help, unit);
  current_where_ = where;
}

void FamilyAssembler::series(std::string_view sample_name, std::span<const LabelPairView> labels,
                             double value, bool has_timestamp, int64_t timestamp_ms,
                             const std::string& where) {
  if (!current_)
    throw PushError(400, where + "sample " + quoted(sample_name) + " without a family");
  if (has_timestamp && !rules_.allow_timestamps)
    throw PushError(400, where + "pushed metrics must not have timestamps (series " +
                             describe_series(sample_name, labels) + ")");
  if (!is_valid_metric_name(sample_name))
    throw PushError(400, where + "invalid sample name " + quoted(sample_name));
  if (rules_.max_labels_per_series && labels.size() > rules_.max_labels_per_series)
    throw PushError(413,
                    where + "series " + quoted(sample_name) + " has " +
                        std::to_string(labels.size()) + " labels, more than " +
                        std::to_string(rules_.max_labels_per_series) +
                        " (limit max_labels_per_series)",
                    "max_labels_per_series");
  scratch_.clear();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const LabelPairView& l = labels[i];
    if (rules_.max_label_name_bytes && l.name.size() > rules_.max_label_name_bytes)
      throw PushError(413,
                      where + "a label name of series " + quoted(sample_name) + " is longer than " +
                          std::to_string(rules_.max_label_name_bytes) +
                          " bytes (limit max_label_name_bytes)",
                      "max_label_name_bytes");
    if (rules_.max_label_value_bytes && l.value.size() > rules_.max_label_value_bytes)
      throw PushError(413,
                      where + "the value of label " + std::string(l.name) + " of series " +
                          quoted(sample_name) + " is longer than " +
                          std::to_string(rules_.max_label_value_bytes) +
                          " bytes (limit max_label_value_bytes)",
                      "max_label_value_bytes");
    if (!is_valid_label_name(l.name) || is_reserved_label_name(l.name))
      throw PushError(400, where + "improper label name " + quoted(l.name) + " in series " +
                               describe_series(sample_name, labels));
    if (!is_valid_utf8(l.value))
      throw PushError(400, where + "value of label " + std::string(l.name) + " is not valid UTF-8");
    // The grouping labels win: dropped here, added back at scrape time. An
    // empty value is the same as no label (Prometheus' rule): not stored.
    if (!key_.find(l.name) && !l.value.empty()) scratch_.push_back(l);
  }
  if (const auto dup = find_duplicate_label_name(labels, name_scratch_))
    throw PushError(400, where + "label " + quoted(*dup) + " appears twice in series " +
                             describe_series(sample_name, labels));
  ++out_.series;
  if (rules_.max_series_per_push && out_.series > rules_.max_series_per_push)
    throw PushError(413,
                    "the push holds more than " + std::to_string(rules_.max_series_per_push) +
                        " series (limit max_series_per_push)",
                    "max_series_per_push");
  current_->append(sample_name, scratch_, value, has_timestamp, timestamp_ms);
}

void FamilyAssembler::close_family() {
  if (!current_) return;
  long dup = current_->finish();
  if (dup >= 0)
    throw PushError(
        400, current_where_ + "series " +
                 describe_series(*current_, current_->series()[static_cast<std::size_t>(dup)]) +
                 " appears twice (after the grouping labels replaced the body's)");
  if (current_->size() > 0) {
    family_names_.insert(current_->name());
    out_.families.push_back(std::move(current_));
  }
  current_.reset();
}

void FamilyAssembler::finish() {
  close_family();
}

}  // namespace pe::push
