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

// Maps the rows of one result, row by row, into `m`. An error (in m.error)
// stops the mapping; the caller then drops the samples.
class RowMapper {
 public:
  RowMapper(const CustomQuery& q, const ResultTable& t, MappedResult& m) : q_(q), t_(t), m_(m) {}

  // Resolves every configured column once; false (m.error set) if one is missing.
  bool resolve_columns() {
    for (const auto& n : q_.label_columns) label_cols_.push_back(column(n, "label"));
    for (const auto& n : q_.value_columns) value_cols_.push_back(column(n, "value"));
    for (const auto& b : q_.buckets) bucket_cols_.push_back(column(b.column, "bucket"));
    sum_col_ = q_.sum_column.empty() ? -1 : column(q_.sum_column, "sum");
    count_col_ = q_.count_column.empty() ? -1 : column(q_.count_column, "count");
    return m_.error.empty();
  }

  // One series per (row, value column); a histogram is one series per row.
  // False on an error.
  bool map_row(int row) {
    row_labels(row);
    return q_.type != MetricType::histogram ? map_values(row) : map_histogram(row);
  }

 private:
  int column(const std::string& name, const char* role) {
    int c = t_.column_index(name);
    if (c < 0 && m_.error.empty())
      m_.error = std::string(role) + " column \"" + name +
                 "\" is not in the result (columns: " + available_columns(t_) + ")";
    return c;
  }

  bool number(int row, int col, double& out) {  // false: error set
    auto v = parse_sql_number(t_.text(row, col));
    if (!v) {
      m_.error = "row " + std::to_string(row + 1) + ", column \"" +
                 std::string(t_.column_name(col)) + "\": " + quoted_value(t_.text(row, col)) +
                 " is not a number (cast it, e.g. extract(epoch from ...) for times)";
      return false;
    }
    out = *v;
    return true;
  }

  // The row's label set: `key_` (identity) and `base_` (labels with values).
  void row_labels(int row) {
    base_.clear();
    key_.clear();
    for (std::size_t i = 0; i < label_cols_.size(); ++i) {
      std::string_view v =
          t_.is_null(row, label_cols_[i]) ? std::string_view() : t_.text(row, label_cols_[i]);
      key_.append(v);
      key_.push_back('\xff');  // cannot occur in UTF-8 text
      if (!v.empty()) base_.emplace_back(q_.label_columns[i], std::string(v));
    }
    for (const auto& s : q_.static_labels) base_.push_back(s);
  }

  bool admit(const std::string& series_key) {
    if (seen_.count(series_key)) {
      ++m_.dropped_duplicate;
      return false;
    }
    if (static_cast<int64_t>(seen_.size()) >= q_.max_series) {
      ++m_.dropped_max_series;
      return false;
    }
    seen_.insert(series_key);
    return true;
  }

  bool map_values(int row) {
    for (std::size_t i = 0; i < value_cols_.size(); ++i) {
      int col = value_cols_[i];
      if (t_.is_null(row, col)) {
        ++m_.null_values;
        continue;
      }
      double v = 0;
      if (!number(row, col, v)) return false;
      std::string series_key = key_;
      if (!q_.value_label.empty()) series_key += q_.value_columns[i];
      if (!admit(series_key)) continue;
      LabelList labels = base_;
      if (!q_.value_label.empty()) labels.emplace_back(q_.value_label, q_.value_columns[i]);
      m_.family.add(q_.sample_name(), std::move(labels), v);
    }
    return true;
  }

  // Histogram: all bucket columns (and sum/count when given) must be there.
  bool map_histogram(int row) {
    bool has_null = false;
    for (int c : bucket_cols_) has_null |= t_.is_null(row, c);
    if (sum_col_ >= 0) has_null |= t_.is_null(row, sum_col_);
    if (count_col_ >= 0) has_null |= t_.is_null(row, count_col_);
    if (has_null) {
      ++m_.null_values;
      return true;
    }
    std::vector<double> counts(bucket_cols_.size());
    for (std::size_t i = 0; i < bucket_cols_.size(); ++i)
      if (!number(row, bucket_cols_[i], counts[i])) return false;
    double count = 0, sum = 0;
    if (count_col_ >= 0 && !number(row, count_col_, count)) return false;
    if (sum_col_ >= 0 && !number(row, sum_col_, sum)) return false;
    const bool has_inf = std::isinf(q_.buckets.back().le);
    if (count_col_ < 0) count = counts.back();  // validated: the +Inf bucket exists
    if (!check_cumulative(row, counts, count, has_inf)) return false;
    if (!admit(key_)) return true;
    add_histogram(counts, count, sum, has_inf);
    return true;
  }

  // Bucket counts never decrease and never exceed the total; with a +Inf
  // bucket and a count column, both agree. False (m.error set) otherwise.
  bool check_cumulative(int row, const std::vector<double>& counts, double count, bool has_inf) {
    for (std::size_t i = 0; i < counts.size(); ++i) {
      double previous = i ? counts[i - 1] : 0;
      double next = i + 1 < counts.size() ? counts[i + 1] : (has_inf ? counts[i] : count);
      if (counts[i] < previous || counts[i] > next) {
        m_.error = "row " + std::to_string(row + 1) + ": bucket le=\"" + q_.buckets[i].le_text +
                   "\" count " + std::string(t_.text(row, bucket_cols_[i])) +
                   " breaks the cumulative order (each bucket counts all observations up to "
                   "its bound, so counts never decrease and never exceed the total)";
        return false;
      }
    }
    if (has_inf && count_col_ >= 0 && count != counts.back()) {
      m_.error = "row " + std::to_string(row + 1) + ": count " + std::to_string(count) +
                 " differs from the +Inf bucket " + std::to_string(counts.back());
      return false;
    }
    return true;
  }

  void add_histogram(const std::vector<double>& counts, double count, double sum, bool has_inf) {
    for (std::size_t i = 0; i < counts.size(); ++i) {
      LabelList labels = base_;
      labels.emplace_back("le", q_.buckets[i].le_text);
      m_.family.add(q_.family + "_bucket", std::move(labels), counts[i]);
    }
    if (!has_inf) {
      LabelList labels = base_;
      labels.emplace_back("le", "+Inf");
      m_.family.add(q_.family + "_bucket", std::move(labels), count);
    }
    if (sum_col_ >= 0) m_.family.add(q_.family + "_sum", base_, sum);
    m_.family.add(q_.family + "_count", base_, count);
  }

  const CustomQuery& q_;
  const ResultTable& t_;
  MappedResult& m_;
  std::vector<int> label_cols_, value_cols_, bucket_cols_;
  int sum_col_ = -1;
  int count_col_ = -1;
  std::unordered_set<std::string> seen_;
  std::string key_;
  LabelList base_;
};

}  // namespace

MappedResult map_query_result(const CustomQuery& q, const ResultTable& t) {
  MappedResult m;
  m.family.name = q.family;
  m.family.help = q.help;
  m.family.type = q.type;
  m.rows = t.row_count();
  RowMapper mapper(q, t, m);
  if (!mapper.resolve_columns()) return m;
  for (int row = 0; row < m.rows; ++row) {
    if (!mapper.map_row(row)) {
      m.family.samples.clear();
      return m;
    }
  }
  return m;
}

}  // namespace pe::postgres
