// custom_query.hpp — a metric defined in SQL by the operator: what to run,
// how result columns become labels and values, and its limits. Read from a
// ConfigSource and validated up front so that run time only meets data
// problems.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config_source.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::postgres {

struct HistogramBucket {
  double le = 0;        // upper bound; +Inf allowed
  std::string le_text;  // as exposed in the "le" label
  std::string column;   // cumulative count of observations <= le
};

struct CustomQuery {
  std::string name;    // identifies the query in pg_exporter_query_* metrics and logs
  std::string family;  // metric family name (a counter's without "_total")
  std::string help;
  MetricType type = MetricType::gauge;  // gauge, counter or histogram
  std::string sql;
  std::vector<std::string> label_columns;
  std::vector<std::string> value_columns;  // gauge and counter
  std::string value_label;                 // set when there are several value columns
  std::vector<std::pair<std::string, std::string>> static_labels;
  std::vector<HistogramBucket> buckets;  // histogram, ascending le
  std::string sum_column;                // histogram, optional
  std::string count_column;              // histogram, optional (else the +Inf bucket)
  std::chrono::nanoseconds timeout{};
  std::chrono::nanoseconds min_interval{};
  std::vector<std::string> databases;   // empty: any
  std::vector<std::string> collectors;  // empty: any
  int64_t max_series = 0;

  // The sample name of a gauge/counter value.
  std::string sample_name() const {
    return type == MetricType::counter ? family + "_total" : family;
  }
};

struct QueryDefaults {
  std::chrono::nanoseconds timeout{};
  int64_t max_series = 0;
};

// Reads one query table. Returns nullopt after recording every problem.
// Checks across queries (unique names, families) are the caller's.
std::optional<CustomQuery> read_custom_query(const ConfigSource& source,
                                             const QueryDefaults& defaults);

// Keys a query table may have (for sources whose unknown keys we report).
const std::vector<std::string>& custom_query_keys();

}  // namespace pe::postgres
