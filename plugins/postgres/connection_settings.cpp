// connection_settings.cpp — building and validating libpq connection
// parameters. Parsing of the dsn is libpq's own (PQconninfoParse), so a
// conninfo string or URI means here exactly what it means to psql.
#include "connection_settings.hpp"

#include <libpq-fe.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <memory>
#include <set>

namespace pe::postgres {
namespace {

struct ConninfoFree {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};
using ConninfoPtr = std::unique_ptr<PQconninfoOption, ConninfoFree>;

const std::set<std::string>& known_keywords() {
  static const std::set<std::string> keywords = [] {
    std::set<std::string> out;
    char* err = nullptr;
    ConninfoPtr opts(PQconninfoParse("", &err));
    if (err) PQfreemem(err);
    for (const PQconninfoOption* o = opts.get(); o && o->keyword; ++o) out.insert(o->keyword);
    return out;
  }();
  return keywords;
}

std::string trim_trailing_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

const std::string* ConnectionSettings::find(const std::string& keyword) const {
  for (auto it = parameters.rbegin(); it != parameters.rend(); ++it)
    if (it->first == keyword) return &it->second;
  return nullptr;
}

void ConnectionSettings::set(const std::string& keyword, std::string value) {
  for (auto& [k, v] : parameters)
    if (k == keyword) {
      v = std::move(value);
      return;
    }
  parameters.emplace_back(keyword, std::move(value));
}

std::string ConnectionSettings::describe() const {
  const std::string* host = find("host");
  const std::string* hostaddr = find("hostaddr");
  const std::string* port = find("port");
  const std::string* db = find("dbname");
  const std::string* user = find("user");
  std::string out = host ? *host : hostaddr ? *hostaddr : "(default socket)";
  if (port) out += ":" + *port;
  out += "/";
  out += db ? *db : user ? *user : "(default database)";
  if (user) out += " as " + *user;
  return out;
}

bool is_libpq_keyword(const std::string& keyword) {
  return known_keywords().count(keyword) > 0;
}

ConnectionSettings build_connection_settings(const ConnectionInput& input,
                                             std::vector<SettingsProblem>& problems) {
  ConnectionSettings s;
  if (input.dsn) {
    char* err = nullptr;
    ConninfoPtr opts(PQconninfoParse(input.dsn->c_str(), &err));
    if (!opts) {
      std::string why = err ? trim_trailing_newlines(err) : "out of memory";
      if (err) PQfreemem(err);
      problems.push_back({"dsn", "not a valid libpq connection string or URI: " + why});
    } else {
      for (const PQconninfoOption* o = opts.get(); o->keyword; ++o)
        if (o->val) s.set(o->keyword, o->val);
    }
  }
  for (const auto& [k, v] : input.fields) {
    if (!is_libpq_keyword(k)) {
      problems.push_back({k, "\"" + k + "\" is not a libpq connection parameter"});
      continue;
    }
    s.set(k, v);
  }
  if (input.password) s.set("password", *input.password);
  if (!s.find("application_name")) s.set("application_name", input.default_application_name);

  if (const std::string* mode = s.find("sslmode")) {
    static const std::array<const char*, 6> modes{"disable", "allow",     "prefer",
                                                  "require", "verify-ca", "verify-full"};
    if (std::find(modes.begin(), modes.end(), *mode) == modes.end())
      problems.push_back({"sslmode", "sslmode \"" + *mode +
                                         "\" is not one of disable, allow, prefer, require, "
                                         "verify-ca, verify-full"});
  }
  return s;
}

std::optional<std::string> password_file_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "password file \"" + path + "\" does not exist";
  if (!S_ISREG(st.st_mode)) return "password file \"" + path + "\" is not a regular file";
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return "password file \"" + path + "\" has group or world access (mode " + mode +
           "); like .pgpass it must be u=rw (0600) or less (chmod 600)";
  }
  return std::nullopt;
}

}  // namespace pe::postgres
