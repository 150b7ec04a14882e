// pg_result.hpp — owns one libpq PGresult (cleared on destruction) and reads
// it as a ResultTable.
#pragma once

#include <libpq-fe.h>

#include <utility>

#include "result_table.hpp"

namespace pe::postgres {

class PgResult final : public ResultTable {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  PgResult& operator=(PgResult&& o) noexcept {
    if (this != &o) {
      reset();
      r_ = std::exchange(o.r_, nullptr);
    }
    return *this;
  }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult() override { reset(); }

  void reset() {
    if (r_) PQclear(r_);
    r_ = nullptr;
  }
  PGresult* get() const { return r_; }
  explicit operator bool() const { return r_ != nullptr; }

  int row_count() const override { return r_ ? PQntuples(r_) : 0; }
  int column_count() const override { return r_ ? PQnfields(r_) : 0; }
  std::string_view column_name(int column) const override { return PQfname(r_, column); }
  bool is_null(int row, int column) const override { return PQgetisnull(r_, row, column) != 0; }
  std::string_view text(int row, int column) const override {
    return {PQgetvalue(r_, row, column), static_cast<std::size_t>(PQgetlength(r_, row, column))};
  }

 private:
  PGresult* r_ = nullptr;
};

}  // namespace pe::postgres
