// metric_sink.cpp — MetricSink over the host's sink functions.
#include "plugin_exporter/metric_sink.hpp"

#include <string>

namespace pe {

bool MetricSink::family(const std::string& name, MetricType type, const std::string& help,
                        const std::string& unit) {
  pe_family f{};
  f.struct_size = sizeof f;
  f.name = name.c_str();
  f.help = help.empty() ? nullptr : help.c_str();
  f.type = static_cast<pe_metric_type>(type);
  f.unit = unit.empty() ? nullptr : unit.c_str();
  pe_status st = api_->sink_family(sink_, &f);
  if (st == PE_LIMIT_EXCEEDED) limit_reached_ = true;
  return st == PE_OK;
}

bool MetricSink::emit(const char* name, const pe_label* labels, std::size_t count, double value,
                      int64_t timestamp_ms, bool has_timestamp) {
  pe_sample s{};
  s.struct_size = sizeof s;
  s.name = name;
  s.labels = labels;
  s.label_count = count;
  s.value = value;
  s.timestamp_ms = timestamp_ms;
  s.has_timestamp = has_timestamp ? 1 : 0;
  pe_status st = api_->sink_sample(sink_, &s);
  if (st == PE_LIMIT_EXCEEDED) limit_reached_ = true;
  return st == PE_OK;
}

bool MetricSink::sample(const std::string& name, LabelPairs labels, double value) {
  scratch_.clear();
  for (const auto& [k, v] : labels) scratch_.push_back(pe_label{k.c_str(), v.c_str()});
  return emit(name.empty() ? nullptr : name.c_str(), scratch_.data(), scratch_.size(), value, 0,
              false);
}

bool MetricSink::sample(const std::string& name,
                        std::initializer_list<std::pair<std::string, std::string>> labels,
                        double value) {
  return sample(name, LabelPairs(labels.begin(), labels.size()), value);
}

bool MetricSink::sample_at(const std::string& name, LabelPairs labels, double value,
                           int64_t timestamp_ms) {
  scratch_.clear();
  for (const auto& [k, v] : labels) scratch_.push_back(pe_label{k.c_str(), v.c_str()});
  return emit(name.empty() ? nullptr : name.c_str(), scratch_.data(), scratch_.size(), value,
              timestamp_ms, true);
}

bool MetricSink::gauge(const std::string& name, const std::string& help, double value) {
  if (!family(name, MetricType::gauge, help)) return false;
  return emit(nullptr, nullptr, 0, value, 0, false);
}

pe_status MetricSink::text(std::string_view data, pe_format format, bool skip_invalid_lines) {
  pe_text_options o{};
  o.struct_size = sizeof o;
  o.format = format;
  o.skip_invalid_lines = skip_invalid_lines ? 1 : 0;
  return api_->sink_text(sink_, data.data(), data.size(), &o);
}

void MetricSink::stat(const std::string& name, double value, const std::string& help) {
  api_->sink_stat(sink_, name.c_str(), help.empty() ? nullptr : help.c_str(), value);
}

pe_status MetricSink::metric_set(const MetricSet& set) {
  // Strings in a MetricSet are not NUL-terminated: copy each into scratch.
  std::string name, help, unit, sample_name;
  std::vector<std::string> label_text;
  for (const Family& f : set.families) {
    name.assign(f.name);
    help.assign(f.help);
    unit.assign(f.unit);
    if (!family(name, f.type, help, unit)) {
      if (limit_reached_) return PE_LIMIT_EXCEEDED;
      continue;
    }
    for (const Sample& s : set.samples_of(f)) {
      auto ls = set.labels_of(s);
      label_text.clear();
      label_text.reserve(ls.size() * 2);
      for (const Label& l : ls) {
        label_text.emplace_back(l.name);
        label_text.emplace_back(l.value);
      }
      scratch_.clear();
      for (std::size_t i = 0; i < ls.size(); ++i)
        scratch_.push_back(pe_label{label_text[2 * i].c_str(), label_text[2 * i + 1].c_str()});
      sample_name.assign(s.name);
      emit(sample_name.c_str(), scratch_.data(), scratch_.size(), s.value, s.timestamp_ms,
           s.has_timestamp);
      if (limit_reached_) return PE_LIMIT_EXCEEDED;
    }
  }
  return PE_OK;
}

void MetricSink::error(const std::string& message) {
  api_->sink_error(sink_, message.c_str());
}

}  // namespace pe
