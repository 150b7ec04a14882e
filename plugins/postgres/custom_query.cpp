// custom_query.cpp — reading and validating one custom query definition.
#include "custom_query.hpp"

#include <algorithm>
#include <cmath>

#include "plugin_exporter/exposition/float_format.hpp"
#include "plugin_exporter/exposition/metric_names.hpp"
#include "value_parsing.hpp"

namespace pe::postgres {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool valid_query_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
          c == ':'))
      return false;
  return true;
}

// Reads one query definition step by step; every problem is reported on
// the source (in the order the keys are read) and remembered in `ok`.
class QueryReader {
 public:
  explicit QueryReader(const ConfigSource& source) : src(source) {}

  // The metric, its type, the query's name, help and SQL.
  void read_what() {
    std::string metric = src.string("metric").value_or("");
    if (!src.has("metric"))
      problem(nullptr, "a query needs \"metric\" (the metric name)");
    else if (!is_valid_metric_name(metric))
      problem("metric", "\"" + metric + "\" is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
    else if (metric.rfind("pg_exporter_", 0) == 0)
      problem("metric",
              "names starting with pg_exporter_ are reserved for the plugin's own metrics");

    std::string type = src.string("type").value_or("gauge");
    if (type == "gauge")
      q.type = MetricType::gauge;
    else if (type == "counter")
      q.type = MetricType::counter;
    else if (type == "histogram")
      q.type = MetricType::histogram;
    else
      problem("type", "type \"" + type + "\" is not one of gauge, counter, histogram");

    q.family = metric;
    if (q.type == MetricType::counter && ends_with(q.family, "_total"))
      q.family.resize(q.family.size() - 6);
    if (q.type == MetricType::histogram)
      for (const char* suffix : {"_bucket", "_sum", "_count"})
        if (ends_with(metric, suffix))
          problem("metric", std::string("a histogram's name must not end in ") + suffix +
                                " (the samples get the suffixes)");

    q.name = src.string("name").value_or(metric);
    if (src.has("name") && !valid_query_name(q.name))
      problem("name", "query names use letters, digits, '_', '-', '.' and ':' (1-128)");
    q.help = src.string("help").value_or("Custom query " + q.name + ".");

    q.sql = src.string("sql").value_or("");
    if (!src.has("sql"))
      problem(nullptr, "a query needs \"sql\"");
    else if (q.sql.find_first_not_of(" \t\r\n;") == std::string::npos)
      problem("sql", "the SQL is empty");
  }

  // Label columns and static labels.
  void read_labels() {
    q.label_columns = src.string_list("labels").value_or(std::vector<std::string>{});
    for (const std::string& l : q.label_columns) add_label_name("labels", l);
    if (auto statics = src.string_table("static_labels")) {
      q.static_labels = *statics;
      for (const auto& [k, v] : q.static_labels) add_label_name("static_labels", k);
    }
  }

  // A histogram's bucket, sum and count columns.
  void read_histogram_columns() {
    if (src.has("values") || src.has("value_label"))
      problem("values",
              "a histogram takes its numbers from \"buckets\", \"sum_column\" and "
              "\"count_column\", not \"values\"");
    auto buckets = src.string_table("buckets");
    if (!buckets || buckets->empty()) {
      if (!src.has("buckets") || (buckets && buckets->empty()))
        problem(src.has("buckets") ? "buckets" : nullptr,
                "a histogram needs \"buckets\": a table of upper bound = column, e.g. "
                "buckets = { \"0.1\" = \"le_100ms\", \"+Inf\" = \"total\" }");
    } else {
      for (const auto& [le_text, column] : *buckets) {
        auto le = parse_sql_number(le_text);
        if (!le || std::isnan(*le)) {
          problem("buckets", "bucket bound \"" + le_text + "\" is not a number (or +Inf)");
          continue;
        }
        char buf[kMaxNumberChars];
        q.buckets.push_back(
            HistogramBucket{*le, std::string(buf, format_double(buf, *le)), column});
      }
      std::sort(q.buckets.begin(), q.buckets.end(),
                [](const HistogramBucket& a, const HistogramBucket& b) { return a.le < b.le; });
      for (std::size_t i = 1; i < q.buckets.size(); ++i)
        if (q.buckets[i].le == q.buckets[i - 1].le)
          problem("buckets", "bucket bound " + q.buckets[i].le_text + " is given twice");
    }
    q.sum_column = src.string("sum_column").value_or("");
    q.count_column = src.string("count_column").value_or("");
    bool has_inf = !q.buckets.empty() && std::isinf(q.buckets.back().le);
    if (!has_inf && q.count_column.empty() && !q.buckets.empty())
      problem("buckets", "give a \"+Inf\" bucket or a \"count_column\" (the observation count)");
  }

  // The value columns (and value_label) of a gauge or counter.
  void read_value_columns() {
    if (src.has("buckets") || src.has("sum_column") || src.has("count_column"))
      problem("buckets", "\"buckets\", \"sum_column\" and \"count_column\" belong to histograms");
    q.value_columns = src.string_list("values").value_or(std::vector<std::string>{});
    if (!src.has("values")) {
      problem(nullptr, "a query needs \"values\": the column(s) holding the number");
    } else if (q.value_columns.empty()) {
      problem("values", "give at least one value column");
    }
    std::set<std::string> seen;
    for (const std::string& v : q.value_columns)
      if (!seen.insert(v).second) problem("values", "value column \"" + v + "\" is given twice");
    q.value_label = src.string("value_label").value_or("");
    if (q.value_columns.size() > 1 && q.value_label.empty())
      problem("values",
              "with several value columns, name the label that tells them apart "
              "with \"value_label\"");
    if (!q.value_label.empty()) add_label_name("value_label", q.value_label);
  }

  // Limits and placement.
  void read_limits(const QueryDefaults& defaults) {
    q.timeout = src.duration("timeout").value_or(defaults.timeout);
    if (q.timeout <= std::chrono::nanoseconds::zero()) problem("timeout", "must be positive");
    q.min_interval = src.duration("min_interval").value_or(std::chrono::nanoseconds::zero());
    if (q.min_interval < std::chrono::nanoseconds::zero())
      problem("min_interval", "must not be negative");
    q.max_series = src.integer("max_series").value_or(defaults.max_series);
    if (q.max_series < 1) problem("max_series", "must be at least 1");
    q.databases = src.string_list("databases").value_or(std::vector<std::string>{});
    q.collectors = src.string_list("collectors").value_or(std::vector<std::string>{});
  }

  const ConfigSource& src;
  CustomQuery q;
  bool ok = true;

 private:
  void problem(const char* key, const std::string& message) {
    src.error(key, message);
    ok = false;
  }

  void add_label_name(const char* key, const std::string& label) {
    if (!is_valid_label_name(label)) {
      problem(key, "\"" + label + "\" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    } else if (is_reserved_label_name(label)) {
      problem(key, "label names starting with __ are reserved");
    } else if (q.type == MetricType::histogram && label == "le") {
      problem(key, "\"le\" is the bucket label of a histogram");
    } else if (!label_names.insert(label).second) {
      problem(key, "label \"" + label + "\" is given twice");
    }
  }

  std::set<std::string> label_names;
};

}  // namespace

const std::vector<std::string>& custom_query_keys() {
  static const std::vector<std::string> keys{
      "name",    "metric",       "help",          "type",       "sql",        "labels",
      "values",  "value_label",  "static_labels", "buckets",    "sum_column", "count_column",
      "timeout", "min_interval", "databases",     "collectors", "max_series"};
  return keys;
}

std::optional<CustomQuery> read_custom_query(const ConfigSource& src,
                                             const QueryDefaults& defaults) {
  QueryReader r(src);
  r.read_what();
  r.read_labels();
  if (r.q.type == MetricType::histogram)
    r.read_histogram_columns();
  else
    r.read_value_columns();
  r.read_limits(defaults);
  if (!r.ok) return std::nullopt;
  return std::move(r.q);
}

}  // namespace pe::postgres
