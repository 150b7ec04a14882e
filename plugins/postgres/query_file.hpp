// query_file.hpp — shared custom query definitions in a TOML file of their
// own ([[query]] tables, the same keys as inline queries), so that many
// collectors can use one set of queries and pick theirs with `collectors`
// and `databases`.
#pragma once

#include <string>
#include <vector>

#include "custom_query.hpp"

namespace pe::postgres {

struct LoadedQuery {
  CustomQuery query;
  std::string location;  // "file:line:column: query[i]" for later errors
};

// Reads `path`. Every problem becomes one message in `errors`, starting with
// file:line:column; queries with problems are left out.
std::vector<LoadedQuery> read_query_file(const std::string& path, const QueryDefaults& defaults,
                                         std::vector<std::string>& errors);

}  // namespace pe::postgres
