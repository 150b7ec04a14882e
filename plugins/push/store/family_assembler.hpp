// family_assembler.hpp — turns the families of one push, whatever format they
// came in, into StoredFamily objects, enforcing the rules every body shares:
// reserved metric and label names, no timestamps unless allowed, valid
// UTF-8, no series twice, no family or label twice (checked in O(n log n)),
// the limits on series and families per push, labels per series and label
// name and value length (413, counted by the limit's name); and the grouping labels
// win over labels of the same name in the body (pushgateway's rule), so they
// are dropped from the stored series and added back at scrape time. Labels
// with an empty value are dropped (an empty label is no label in Prometheus).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "store/grouping_key.hpp"
#include "store/stored_family.hpp"

namespace pe::push {

// Limits: 0 = unlimited. The defaults are those of plugins/push/README.md
// (max_series_per_push's default is applied by the configuration).
struct AssemblyRules {
  bool allow_timestamps = false;
  std::size_t max_series_per_push = 0;
  std::size_t max_families_per_push = 10000;
  std::size_t max_labels_per_series = 64;
  std::size_t max_label_name_bytes = 1024;
  std::size_t max_label_value_bytes = 16384;
};

struct PushedFamilies {
  std::vector<std::shared_ptr<StoredFamily>> families;
  std::size_t series = 0;
};

class FamilyAssembler {
 public:
  FamilyAssembler(const GroupingKey& key, const AssemblyRules& rules, PushedFamilies& out)
      : key_(key), rules_(rules), out_(out) {
    for (const auto& f : out_.families) family_names_.insert(f->name());
  }

  // Starts a family (throws PushError 400 on a reserved or invalid name, or
  // a family already seen in this push). `where` prefixes messages.
  void family(std::string_view name, MetricType type, std::string_view help, bool has_help,
              std::string_view unit, const std::string& where);
  // Adds a series to the current family (throws PushError 400/413).
  void series(std::string_view sample_name, std::span<const LabelPairView> labels, double value,
              bool has_timestamp, int64_t timestamp_ms, const std::string& where);
  // Closes the push: duplicate series are refused; empty families dropped.
  void finish();

  // True if `name` is reserved for the gateway itself.
  static bool reserved_metric_name(std::string_view name);

 private:
  void close_family();

  const GroupingKey& key_;
  const AssemblyRules& rules_;
  PushedFamilies& out_;
  std::shared_ptr<StoredFamily> current_;
  std::string current_where_;
  std::vector<LabelPairView> scratch_;
  std::unordered_set<std::string_view> family_names_;  // of out_.families (they own the text)
  std::size_t families_ = 0;                           // families started in this push
  std::vector<std::string_view> name_scratch_;         // duplicate-label check
};

// "name{a=\"1\",b=\"2\"}" for messages.
std::string describe_series(std::string_view sample_name, std::span<const LabelPairView> labels);
std::string describe_series(const StoredFamily& f, const StoredFamily::Series& s);

}  // namespace pe::push
