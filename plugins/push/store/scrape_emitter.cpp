// scrape_emitter.cpp — the store's families through the C sink.
#include "store/scrape_emitter.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace pe::push {
namespace {

struct Part {
  const GroupState* group;
  const StoredFamily* family;
};

class GroupLabels {
 public:
  void set(const GroupState& g) {
    labels_.clear();
    has_instance_ = false;
    for (const auto& [k, v] : g.key->labels) {
      labels_.push_back(pe_label{k.c_str(), v.c_str()});
      if (k == "instance") has_instance_ = true;
    }
  }
  const std::vector<pe_label>& labels() const { return labels_; }
  bool has_instance() const { return has_instance_; }

 private:
  std::vector<pe_label> labels_;
  bool has_instance_ = false;
};

pe_status timestamp_family(const std::vector<GroupPtr>& groups, const pe_host_api* api,
                           pe_sink* sink, const char* name, const char* help, bool failure) {
  pe_family fam{};
  fam.struct_size = sizeof fam;
  fam.name = name;
  fam.help = help;
  fam.type = PE_TYPE_GAUGE;
  if (api->sink_family(sink, &fam) == PE_LIMIT_EXCEEDED) return PE_LIMIT_EXCEEDED;
  GroupLabels gl;
  std::vector<pe_label> labels;
  for (const GroupPtr& g : groups) {
    gl.set(*g);
    labels = gl.labels();
    if (!gl.has_instance()) labels.push_back(pe_label{"instance", ""});
    pe_sample s{};
    s.struct_size = sizeof s;
    s.labels = labels.data();
    s.label_count = labels.size();
    s.value = static_cast<double>(failure ? g->failure_time_ms : g->push_time_ms) / 1000.0;
    if (api->sink_sample(sink, &s) == PE_LIMIT_EXCEEDED) return PE_LIMIT_EXCEEDED;
  }
  return PE_OK;
}

}  // namespace

pe_status emit_groups(const std::vector<GroupPtr>& groups, const pe_host_api* api, pe_sink* sink) {
  std::unordered_map<std::string_view, std::vector<Part>> by_name;
  std::vector<std::string_view> names;
  for (const GroupPtr& g : groups) {
    for (const FamilyPtr& f : g->families) {
      auto [it, inserted] = by_name.try_emplace(f->name());
      if (inserted) names.push_back(f->name());
      it->second.push_back(Part{g.get(), f.get()});
    }
  }
  std::sort(names.begin(), names.end());
  GroupLabels gl;
  std::vector<pe_label> labels;
  for (std::string_view name : names) {
    const std::vector<Part>& parts = by_name[name];
    const Part* newest = &parts.front();
    for (const Part& p : parts)
      if (p.group->push_time_ms > newest->group->push_time_ms) newest = &p;
    const StoredFamily& head = *newest->family;
    pe_family fam{};
    fam.struct_size = sizeof fam;
    fam.name = head.name().c_str();
    fam.help = head.has_help() || !head.help().empty() ? head.help().c_str() : nullptr;
    fam.type = static_cast<pe_metric_type>(head.type());
    fam.unit = head.unit().empty() ? nullptr : head.unit().c_str();
    pe_status st = api->sink_family(sink, &fam);
    if (st == PE_LIMIT_EXCEEDED) return st;
    if (st != PE_OK) continue;
    for (const Part& p : parts) {
      gl.set(*p.group);
      const StoredFamily& f = *p.family;
      for (const auto& s : f.series()) {
        labels = gl.labels();
        bool instance = gl.has_instance();
        for (const auto& l : f.labels_of(s)) {
          labels.push_back(pe_label{f.c_str(l.name), f.c_str(l.value)});
          if (!instance && f.str(l.name) == "instance") instance = true;
        }
        if (!instance) labels.push_back(pe_label{"instance", ""});
        pe_sample smp{};
        smp.struct_size = sizeof smp;
        smp.name = f.c_str(s.name);
        smp.labels = labels.data();
        smp.label_count = labels.size();
        smp.value = s.value;
        smp.has_timestamp = s.has_timestamp ? 1 : 0;
        smp.timestamp_ms = s.timestamp_ms;
        if (api->sink_sample(sink, &smp) == PE_LIMIT_EXCEEDED) return PE_LIMIT_EXCEEDED;
      }
    }
  }
  if (timestamp_family(groups, api, sink, "push_time_seconds",
                       "Last Unix time when changing this group in the Pushgateway succeeded.",
                       false) != PE_OK)
    return PE_LIMIT_EXCEEDED;
  return timestamp_family(groups, api, sink, "push_failure_time_seconds",
                          "Last Unix time when changing this group in the Pushgateway failed.",
                          true);
}

}  // namespace pe::push
