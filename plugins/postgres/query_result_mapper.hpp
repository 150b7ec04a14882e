// query_result_mapper.hpp — turns the rows a custom query returned into
// samples: label columns, value columns (or histogram bucket columns),
// static labels; NULL values skipped and counted, non-numbers an error for
// the whole query, duplicate label sets and series beyond max_series dropped
// and counted.
#pragma once

#include <string>

#include "custom_query.hpp"
#include "metric_output.hpp"
#include "result_table.hpp"

namespace pe::postgres {

struct MappedResult {
  OutputFamily family;  // empty samples on error
  int rows = 0;
  int null_values = 0;  // values skipped because they were NULL
  int dropped_max_series = 0;
  int dropped_duplicate = 0;
  std::string error;  // non-empty: the query's result was unusable
};

MappedResult map_query_result(const CustomQuery& query, const ResultTable& table);

}  // namespace pe::postgres
