// connection_settings.hpp — where one collector connects: the libpq keyword
// list built from a conninfo string or URI (`dsn`) and the discrete fields
// that override it, validated without touching the network.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pe::postgres {

struct ConnectionSettings {
  // libpq keyword/value pairs in the order they are handed to
  // PQconnectStartParams (later entries override earlier ones).
  std::vector<std::pair<std::string, std::string>> parameters;

  const std::string* find(const std::string& keyword) const;
  void set(const std::string& keyword, std::string value);
  // "host:port/dbname" for logs and errors; never contains the password.
  std::string describe() const;
};

// The pieces a configuration gives; each is optional.
struct ConnectionInput {
  std::optional<std::string> dsn;  // "host=... dbname=..." or "postgresql://..."
  std::vector<std::pair<std::string, std::string>> fields;  // discrete fields, libpq keywords
  std::optional<std::string> password;
  std::string default_application_name = "plugin_exporter";
};

// One problem found while building settings: the configuration key it
// belongs to ("dsn", "parameters", or a field name) and what is wrong.
struct SettingsProblem {
  std::string key;
  std::string message;
};

// Merges dsn, fields and password (in that order of precedence, lowest first)
// into settings. Unknown libpq keywords, syntax errors in the dsn and invalid
// sslmode values are reported as problems.
ConnectionSettings build_connection_settings(const ConnectionInput& input,
                                             std::vector<SettingsProblem>& problems);

// True if `keyword` is a connection parameter this libpq understands.
bool is_libpq_keyword(const std::string& keyword);

// Checks a password file like libpq checks ~/.pgpass: a regular file with no
// access for group or others. Returns the reason it is refused, if it is.
std::optional<std::string> password_file_problem(const std::string& path);

}  // namespace pe::postgres
