// push_test_support.hpp — small helpers shared by the push plugin's unit
// tests: a host API table whose log goes to stderr (the only host service the
// store's persistence uses), grouping keys from literals, pushes from text.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "body/push_body.hpp"
#include "plugin_exporter/plugin.hpp"
#include "store/grouping_key.hpp"
#include "store/metric_store.hpp"

namespace pe::push::test {

inline pe_host_api make_log_api() {
  pe_host_api api{};
  api.struct_size = sizeof api;
  api.log = [](pe_host*, pe_log_level level, const char* m) {
    std::fprintf(stderr, "[log %d] %s\n", level, m);
  };
  api.log_enabled = [](pe_host*, pe_log_level) -> int32_t { return 1; };
  return api;
}

inline HostLog test_log() {
  static pe_host_api api = make_log_api();
  return HostLog(&api, nullptr);
}

inline GroupingKey key(std::vector<std::pair<std::string, std::string>> labels) {
  GroupingKey k;
  k.labels = std::move(labels);
  k.seal();
  return k;
}

inline PushCommand text_push(const GroupingKey& k, const std::string& text, bool replace = true,
                             int64_t now_ms = 1000) {
  PushCommand cmd;
  cmd.key = k;
  cmd.replace = replace;
  cmd.now_ms = now_ms;
  BodyLimits limits;
  decode_push_body(text, "text/plain; version=0.0.4", "", k, limits, cmd.body);
  return cmd;
}

// The value of the series `sample` with exactly `labels` (own labels, no
// grouping labels) in group `k`, or NaN.
inline double stored_value(const MetricStore& store, const GroupingKey& k,
                           const std::string& family, const std::string& sample,
                           std::vector<LabelPairView> labels = {}) {
  for (const GroupPtr& g : store.snapshot(0)) {
    if (g->key->canonical != k.canonical) continue;
    const FamilyPtr* f = g->find(family);
    if (!f) return std::nan("");
    std::sort(labels.begin(), labels.end(), [](auto& a, auto& b) { return a.name < b.name; });
    long i = (*f)->find(series_hash(sample, labels));
    return i < 0 ? std::nan("") : (*f)->series()[static_cast<std::size_t>(i)].value;
  }
  return std::nan("");
}

}  // namespace pe::push::test
