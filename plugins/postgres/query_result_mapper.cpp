// query_result_mapper.cpp — see query_result_mapper.hpp.
#include "query_result_mapper.hpp"

#include <cmath>
#include <unordered_set>

#include "value_parsing.hpp"

namespace pe::postgres {
namespace {

std::string available_columns(const ResultTable& t) {
  std::string out;
  for (int c = 0; c < t.column_count(); ++c) {
    if (c) out += ", ";
    out += t.column_name(c);
  }
  return out.empty() ? "none" : out;
}

std::string quoted_value(std::string_view text) {
  constexpr std::size_t kShown = 40;
  std::string out = "\"" + std::string(text.substr(0, kShown));
  if (text.size() > kShown) out += "...";
  return out + "\"";
}

}  // namespace

MappedResult map_query_result(const CustomQuery& q, const ResultTable& t) {
  MappedResult m;
  m.family.name = q.family;
  m.family.help = q.help;
  m.family.type = q.type;
  m.rows = t.row_count();

  // Resolve every configured column once.
  auto column = [&](const std::string& name, const char* role) -> int {
    int c = t.column_index(name);
    if (c < 0 && m.error.empty())
      m.error = std::string(role) + " column \"" + name +
                "\" is not in the result (columns: " + available_columns(t) + ")";
    return c;
  };
  std::vector<int> label_cols, value_cols, bucket_cols;
  for (const auto& n : q.label_columns) label_cols.push_back(column(n, "label"));
  for (const auto& n : q.value_columns) value_cols.push_back(column(n, "value"));
  for (const auto& b : q.buckets) bucket_cols.push_back(column(b.column, "bucket"));
  int sum_col = q.sum_column.empty() ? -1 : column(q.sum_column, "sum");
  int count_col = q.count_column.empty() ? -1 : column(q.count_column, "count");
  if (!m.error.empty()) return m;

  auto number = [&](int row, int col, double& out) -> bool {  // false: error set
    auto v = parse_sql_number(t.text(row, col));
    if (!v) {
      m.error = "row " + std::to_string(row + 1) + ", column \"" + std::string(t.column_name(col)) +
                "\": " + quoted_value(t.text(row, col)) +
                " is not a number (cast it, e.g. extract(epoch from ...) for times)";
      return false;
    }
    out = *v;
    return true;
  };

  std::unordered_set<std::string> seen;
  std::string key;
  LabelList base;
  for (int row = 0; row < m.rows; ++row) {
    base.clear();
    key.clear();
    for (std::size_t i = 0; i < label_cols.size(); ++i) {
      std::string_view v =
          t.is_null(row, label_cols[i]) ? std::string_view() : t.text(row, label_cols[i]);
      key.append(v);
      key.push_back('\xff');  // cannot occur in UTF-8 text
      if (!v.empty()) base.emplace_back(q.label_columns[i], std::string(v));
    }
    for (const auto& s : q.static_labels) base.push_back(s);

    // One series per (row, value column); a histogram is one series per row.
    auto admit = [&](const std::string& series_key) -> bool {
      if (seen.count(series_key)) {
        ++m.dropped_duplicate;
        return false;
      }
      if (static_cast<int64_t>(seen.size()) >= q.max_series) {
        ++m.dropped_max_series;
        return false;
      }
      seen.insert(series_key);
      return true;
    };

    if (q.type != MetricType::histogram) {
      for (std::size_t i = 0; i < value_cols.size(); ++i) {
        int col = value_cols[i];
        if (t.is_null(row, col)) {
          ++m.null_values;
          continue;
        }
        double v = 0;
        if (!number(row, col, v)) {
          m.family.samples.clear();
          return m;
        }
        std::string series_key = key;
        if (!q.value_label.empty()) series_key += q.value_columns[i];
        if (!admit(series_key)) continue;
        LabelList labels = base;
        if (!q.value_label.empty()) labels.emplace_back(q.value_label, q.value_columns[i]);
        m.family.add(q.sample_name(), std::move(labels), v);
      }
      continue;
    }

    // Histogram: all bucket columns (and sum/count when given) must be there.
    bool has_null = false;
    for (int c : bucket_cols) has_null |= t.is_null(row, c);
    if (sum_col >= 0) has_null |= t.is_null(row, sum_col);
    if (count_col >= 0) has_null |= t.is_null(row, count_col);
    if (has_null) {
      ++m.null_values;
      continue;
    }
    std::vector<double> counts(bucket_cols.size());
    for (std::size_t i = 0; i < bucket_cols.size(); ++i)
      if (!number(row, bucket_cols[i], counts[i])) {
        m.family.samples.clear();
        return m;
      }
    double count = 0, sum = 0;
    if (count_col >= 0 && !number(row, count_col, count)) {
      m.family.samples.clear();
      return m;
    }
    if (sum_col >= 0 && !number(row, sum_col, sum)) {
      m.family.samples.clear();
      return m;
    }
    bool has_inf = std::isinf(q.buckets.back().le);
    if (count_col < 0) count = counts.back();  // validated: the +Inf bucket exists
    for (std::size_t i = 0; i < counts.size(); ++i) {
      double previous = i ? counts[i - 1] : 0;
      double next = i + 1 < counts.size() ? counts[i + 1] : (has_inf ? counts[i] : count);
      if (counts[i] < previous || counts[i] > next) {
        m.error = "row " + std::to_string(row + 1) + ": bucket le=\"" + q.buckets[i].le_text +
                  "\" count " + std::string(t.text(row, bucket_cols[i])) +
                  " breaks the cumulative order (each bucket counts all observations up to "
                  "its bound, so counts never decrease and never exceed the total)";
        m.family.samples.clear();
        return m;
      }
    }
    if (has_inf && count_col >= 0 && count != counts.back()) {
      m.error = "row " + std::to_string(row + 1) + ": count " + std::to_string(count) +
                " differs from the +Inf bucket " + std::to_string(counts.back());
      m.family.samples.clear();
      return m;
    }
    if (!admit(key)) continue;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      LabelList labels = base;
      labels.emplace_back("le", q.buckets[i].le_text);
      m.family.add(q.family + "_bucket", std::move(labels), counts[i]);
    }
    if (!has_inf) {
      LabelList labels = base;
      labels.emplace_back("le", "+Inf");
      m.family.add(q.family + "_bucket", std::move(labels), count);
    }
    if (sum_col >= 0) m.family.add(q.family + "_sum", base, sum);
    m.family.add(q.family + "_count", base, count);
  }
  return m;
}

}  // namespace pe::postgres
