// value_parsing.hpp — numbers as PostgreSQL prints them in text format:
// integers, decimals, exponents, NaN, Infinity, -Infinity, and booleans
// (t/f). Locale-independent.
#pragma once

#include <optional>
#include <string_view>

namespace pe::postgres {

std::optional<double> parse_sql_number(std::string_view text);

}  // namespace pe::postgres
