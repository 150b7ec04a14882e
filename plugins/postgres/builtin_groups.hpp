// builtin_groups.hpp — the core PostgreSQL metrics, in groups that can be
// switched on and off and that fail alone: each group is one job (its SQL
// run in one read-only transaction) whose result columns map to metric
// families through a table. All of them work for a role that has only
// pg_monitor; where a figure needs more, it comes out NULL and is skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metric_output.hpp"
#include "pg_result.hpp"

namespace pe::postgres {

// One value column of a statement becoming one metric family.
struct ColumnMetric {
  const char* column;
  const char* family;  // a counter's family name has no "_total"; samples get it
  MetricType type;
  const char* help;
  double scale = 1;  // e.g. 0.001 for milliseconds → seconds
};

struct VersionedSql {
  int min_server_version;  // PQserverVersion, e.g. 170000
  const char* sql;
};

struct GroupStatement {
  std::vector<VersionedSql> sql;  // the last one whose min_server_version fits wins
  std::vector<const char*> label_columns;
  std::vector<ColumnMetric> metrics;
};

struct BuiltinGroup {
  const char* name;
  const char* description;
  std::vector<GroupStatement> statements;

  std::vector<std::string> sql_for(int server_version) const;
  // Maps the results (one per statement) into `out`. Returns an error text
  // when a result lacks an expected column or holds a non-number.
  std::string emit(const std::vector<PgResult>& results, MetricOutput& out) const;
};

// Every built-in group, in the order they run.
const std::vector<BuiltinGroup>& builtin_groups();
const BuiltinGroup* find_builtin_group(std::string_view name);
// Every family name a built-in group may emit (to keep custom names apart).
std::vector<std::string> builtin_family_names();

}  // namespace pe::postgres
