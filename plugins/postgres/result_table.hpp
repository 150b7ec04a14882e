// result_table.hpp — the rows of one query result as the metric mapping sees
// them: column names, text values and NULLs. PgResult (over libpq's
// PGresult) is the implementation used at run time.
#pragma once

#include <string_view>

namespace pe::postgres {

class ResultTable {
 public:
  virtual ~ResultTable() = default;
  virtual int row_count() const = 0;
  virtual int column_count() const = 0;
  virtual std::string_view column_name(int column) const = 0;
  virtual bool is_null(int row, int column) const = 0;
  // The value in PostgreSQL's text format ("" for NULL).
  virtual std::string_view text(int row, int column) const = 0;

  // Index of the column named `name`, or -1.
  int column_index(std::string_view name) const {
    for (int c = 0; c < column_count(); ++c)
      if (column_name(c) == name) return c;
    return -1;
  }
};

}  // namespace pe::postgres
