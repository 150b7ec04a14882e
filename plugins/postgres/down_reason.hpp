// down_reason.hpp — why a server counts as down (pg_up 0), as a short,
// fixed word fit for a label (pg_down_reason{reason}), derived from what
// libpq and the server said. The full message goes to the log.
#pragma once

#include <string>
#include <string_view>

namespace pe::postgres {

// One of: auth_failed, database_missing, starting_up, shutting_down,
// in_recovery, too_many_connections, unreachable, ssl, timeout, other.
std::string classify_connect_failure(std::string_view message, bool timed_out);

// Every value classify_connect_failure may return, plus those the collect
// itself uses (query_failed, connection_lost).
const char* const* down_reasons();

}  // namespace pe::postgres
