// down_reason.cpp — classification of connection failures. The server's
// messages are matched in English (lc_messages=C, the default of initdb in
// most deployments); a localized server gives "other" for its own messages
// while libpq's socket errors still classify.
#include "down_reason.hpp"

#include <array>
#include <utility>

namespace pe::postgres {

std::string classify_connect_failure(std::string_view m, bool timed_out) {
  if (timed_out) return "timeout";
  static const std::array<std::pair<const char*, const char*>, 20> patterns{{
      {"password authentication failed", "auth_failed"},
      {"no pg_hba.conf entry", "auth_failed"},
      {"authentication failed", "auth_failed"},
      {"no password supplied", "auth_failed"},
      {"role \"", "auth_failed"},              // role "x" does not exist
      {"does not exist", "database_missing"},  // database "x" does not exist
      {"the database system is starting up", "starting_up"},
      {"the database system is shutting down", "shutting_down"},
      {"the database system is in recovery mode", "in_recovery"},
      {"not yet accepting connections", "in_recovery"},
      {"too many clients", "too_many_connections"},
      {"remaining connection slots are reserved", "too_many_connections"},
      {"too many connections for", "too_many_connections"},
      {"SSL", "ssl"},
      {"Connection refused", "unreachable"},
      {"No such file or directory", "unreachable"},  // Unix socket absent
      {"could not translate host name", "unreachable"},
      {"No route to host", "unreachable"},
      {"Network is unreachable", "unreachable"},
      {"timeout expired", "timeout"},
  }};
  for (const auto& [needle, reason] : patterns)
    if (m.find(needle) != std::string_view::npos) return reason;
  return "other";
}

const char* const* down_reasons() {
  static const char* const reasons[] = {
      "auth_failed", "database_missing",     "starting_up",     "shutting_down",
      "in_recovery", "too_many_connections", "unreachable",     "ssl",
      "timeout",     "query_failed",         "connection_lost", "other",
      nullptr};
  return reasons;
}

}  // namespace pe::postgres
