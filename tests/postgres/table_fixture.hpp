// table_fixture.hpp — an in-memory ResultTable for tests of the mapping from
// rows to samples (a query result without a server).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "result_table.hpp"

namespace pe::postgres::test {

class Table final : public ResultTable {
 public:
  using Cell = std::optional<std::string>;  // nullopt = NULL
  Table(std::vector<std::string> columns, std::vector<std::vector<Cell>> rows)
      : columns_(std::move(columns)), rows_(std::move(rows)) {}
  int row_count() const override { return static_cast<int>(rows_.size()); }
  int column_count() const override { return static_cast<int>(columns_.size()); }
  std::string_view column_name(int c) const override { return columns_[c]; }
  bool is_null(int r, int c) const override { return !rows_[r][c].has_value(); }
  std::string_view text(int r, int c) const override {
    return rows_[r][c] ? std::string_view(*rows_[r][c]) : std::string_view();
  }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace pe::postgres::test
