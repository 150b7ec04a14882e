// target_labels.cpp — static collector labels merged into each sample.
#include "collect/target_labels.hpp"

#include <string_view>
#include <vector>

namespace pe::host {

void apply_target_labels(MetricSet& set,
                         std::span<const std::pair<std::string, std::string>> labels,
                         bool honor_labels) {
  if (labels.empty() || set.samples.empty()) return;
  std::vector<Label> statics;
  statics.reserve(labels.size());
  for (const auto& [k, v] : labels) statics.push_back(Label{set.intern(k), set.intern(v)});

  std::vector<Label> merged;
  std::vector<Label> rebuilt;
  rebuilt.reserve(set.labels.size() + set.samples.size() * statics.size());
  for (Sample& s : set.samples) {
    merged.clear();
    auto own = std::span<const Label>(set.labels.data() + s.label_begin, s.label_count);
    for (const Label& st : statics) {
      bool clash = false;
      for (const Label& l : own)
        if (l.name == st.name) clash = true;
      if (!(clash && honor_labels)) merged.push_back(st);
    }
    for (const Label& l : own) {
      bool clash = false;
      for (const Label& st : statics)
        if (l.name == st.name) clash = true;
      if (!clash || honor_labels) {
        merged.push_back(l);
        continue;
      }
      // Ours win: keep the source's value under exported_<name> (repeated
      // until the name is free, as Prometheus does).
      std::string name = "exported_" + std::string(l.name);
      auto taken = [&](std::string_view n) {
        for (const Label& m : merged)
          if (m.name == n) return true;
        for (const Label& o : own)
          if (o.name == n) return true;
        return false;
      };
      while (taken(name)) name = "exported_" + name;
      merged.push_back(Label{set.intern(name), l.value});
    }
    s.label_begin = static_cast<uint32_t>(rebuilt.size());
    s.label_count = static_cast<uint32_t>(merged.size());
    rebuilt.insert(rebuilt.end(), merged.begin(), merged.end());
  }
  // Exemplar labels keep their ranges: move them over as well.
  for (Exemplar& e : set.exemplars) {
    auto old = std::span<const Label>(set.labels.data() + e.label_begin, e.label_count);
    e.label_begin = static_cast<uint32_t>(rebuilt.size());
    rebuilt.insert(rebuilt.end(), old.begin(), old.end());
  }
  set.labels.swap(rebuilt);
}

}  // namespace pe::host
