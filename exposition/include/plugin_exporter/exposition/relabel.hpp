// relabel.hpp — Prometheus metric_relabel_configs semantics over a MetricSet:
// replace, keep, drop, labelmap, labeldrop, labelkeep, hashmod, lowercase,
// uppercase, keepequal, dropequal. Regexes are RE2, fully anchored, exactly
// as Prometheus compiles them. Rules are compiled once (at config load, where
// errors are reported) and applied on every scrape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe {

enum class RelabelAction {
  replace,
  keep,
  drop,
  labelmap,
  labeldrop,
  labelkeep,
  hashmod,
  lowercase,
  uppercase,
  keepequal,
  dropequal,
};

// Parses "replace", "keep", ... (as Prometheus spells them); nullopt if unknown.
std::optional<RelabelAction> relabel_action_from_string(std::string_view s) noexcept;

struct RelabelRule {
  RelabelAction action = RelabelAction::replace;
  std::vector<std::string> source_labels;  // "__name__" is the sample name
  std::string separator = ";";
  std::string regex = "(.*)";
  std::string target_label;
  std::string replacement = "$1";
  uint64_t modulus = 0;
};

struct RelabelStats {
  std::size_t samples_dropped = 0;
  std::size_t samples_changed = 0;
};

class RelabelProgram {
 public:
  RelabelProgram();
  ~RelabelProgram();
  RelabelProgram(RelabelProgram&&) noexcept;
  RelabelProgram& operator=(RelabelProgram&&) noexcept;

  // Compiles `rules`. On error returns nullopt, with `error` saying what is
  // wrong and `error_rule` the index of the offending rule.
  static std::optional<RelabelProgram> compile(const std::vector<RelabelRule>& rules,
                                               std::string& error, std::size_t& error_rule);

  bool empty() const noexcept;

  // Rewrites every sample of `set` in place. Dropped samples disappear from
  // their family; a sample renamed (via __name__) so that it no longer belongs
  // to its family moves to a family of its own, of type unknown. Label ranges
  // that change are appended to set.labels; strings built go to set.arena.
  // Thread-safe for concurrent calls on different sets.
  RelabelStats apply(MetricSet& set) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pe
