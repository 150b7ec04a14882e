// plugin_config.cpp — reading a postgres collector's [collector.config].
#include "plugin_config.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "config_view_source.hpp"
#include "query_file.hpp"

namespace pe::postgres {
namespace {

// Discrete connection fields: configuration key → libpq keyword.
const std::vector<std::pair<const char*, const char*>>& connection_fields() {
  static const std::vector<std::pair<const char*, const char*>> fields{
      {"host", "host"},
      {"hostaddr", "hostaddr"},
      {"port", "port"},
      {"dbname", "dbname"},
      {"user", "user"},
      {"sslmode", "sslmode"},
      {"sslrootcert", "sslrootcert"},
      {"sslcert", "sslcert"},
      {"sslkey", "sslkey"},
      {"sslcrl", "sslcrl"},
      {"application_name", "application_name"},
      {"target_session_attrs", "target_session_attrs"},
  };
  return fields;
}

// A scalar as libpq wants it: strings as they are, integers in decimal.
std::optional<std::string> scalar_text(const ConfigView& v) {
  if (v.kind() == PE_CONFIG_INTEGER) {
    if (auto i = v.as_int()) return std::to_string(*i);
    return std::nullopt;
  }
  if (v.kind() == PE_CONFIG_BOOLEAN) {
    if (auto b = v.as_bool()) return *b ? "1" : "0";
    return std::nullopt;
  }
  return v.as_string();
}

void read_connection(const ConfigView& cfg, PostgresConfig& out) {
  ConnectionInput in;
  in.dsn = cfg.secret("dsn");  // may carry a password: dsn, dsn_file or dsn_env, redacted
  for (const auto& [key, keyword] : connection_fields()) {
    ConfigView v = cfg.get(key);
    if (!v.present()) continue;
    if (auto text = scalar_text(v)) in.fields.emplace_back(keyword, *text);
  }
  ConfigView params = cfg.get("parameters");
  if (params.present()) {
    if (params.kind() != PE_CONFIG_TABLE) {
      params.error("expected a table of libpq parameters, e.g. { keepalives_idle = 30 }");
    } else {
      for (const std::string& k : params.keys()) {
        if (k == "password") {
          params.error_at(k.c_str(), "give the password with password_file or password_env");
          continue;
        }
        if (auto text = scalar_text(params.get(k.c_str()))) in.fields.emplace_back(k, *text);
      }
    }
  }
  in.password = cfg.secret("password");
  // The host read the file (missing or world-readable: its error, once);
  // libpq's stricter rule for password files (no group access) on top.
  if (in.password && cfg.has("password_file")) {
    if (auto path = cfg.get("password_file").as_string())
      if (auto why = password_file_problem(*path)) cfg.error_at("password_file", *why);
  }

  std::vector<SettingsProblem> problems;
  out.connection = build_connection_settings(in, problems);
  for (const SettingsProblem& p : problems) {
    bool discrete = std::any_of(connection_fields().begin(), connection_fields().end(),
                                [&](const auto& f) { return p.key == f.first; });
    if (p.key == "dsn")
      cfg.error_at("dsn", p.message);
    else if (discrete)
      cfg.error_at(p.key.c_str(), p.message);
    else if (params.present())
      params.error_at(p.key.c_str(), p.message);
    else
      cfg.error(p.message);
  }
}

void read_groups(const ConfigView& cfg, PostgresConfig& out) {
  std::vector<std::string> names;
  if (cfg.has("groups")) {
    names = cfg.string_array("groups");
  } else {
    for (const BuiltinGroup& g : builtin_groups()) names.emplace_back(g.name);
  }
  std::vector<std::string> disabled = cfg.string_array("disabled_groups");
  auto known = [&](const std::string& n, const char* key) {
    if (find_builtin_group(n)) return true;
    std::string list;
    for (const BuiltinGroup& g : builtin_groups())
      list += std::string(list.empty() ? "" : ", ") + g.name;
    cfg.error_at(key, "unknown group \"" + n + "\" (groups: " + list + ")");
    return false;
  };
  for (const std::string& n : disabled) known(n, "disabled_groups");
  // Keep the built-in order whatever order the list used.
  for (const BuiltinGroup& g : builtin_groups()) {
    bool wanted = std::find(names.begin(), names.end(), g.name) != names.end();
    bool off = std::find(disabled.begin(), disabled.end(), g.name) != disabled.end();
    if (wanted && !off) out.groups.push_back(&g);
  }
  for (const std::string& n : names) known(n, "groups");
}

bool applies_to(const CustomQuery& q, const std::string& collector) {
  return q.collectors.empty() ||
         std::find(q.collectors.begin(), q.collectors.end(), collector) != q.collectors.end();
}

// Names must be unique and custom families must not take built-in names or
// change the type of a family another query already declared.
void check_query_set(
    const std::vector<CustomQuery>& all,
    const std::function<void(std::size_t, const char*, const std::string&)>& error) {
  std::set<std::string> builtin_families;
  for (const std::string& f : builtin_family_names()) builtin_families.insert(f);
  std::set<std::string> names;
  std::map<std::string, MetricType> families;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const CustomQuery& q = all[i];
    if (find_builtin_group(q.name))
      error(i, "name", "\"" + q.name + "\" is the name of a built-in group; pick another name");
    else if (!names.insert(q.name).second)
      error(i, "name",
            "another query is already called \"" + q.name +
                "\" (set \"name\" to tell queries of one metric apart)");
    if (builtin_families.count(q.family) || q.family == "pg_up" || q.family == "pg_down_reason")
      error(i, "metric", "\"" + q.family + "\" is a built-in metric of this plugin");
    auto [it, fresh] = families.emplace(q.family, q.type);
    if (!fresh && it->second != q.type)
      error(i, "metric",
            "another query declares \"" + q.family + "\" as " + std::string(to_string(it->second)));
  }
}

}  // namespace

PostgresConfig read_postgres_config(CreateContext& ctx) {
  const ConfigView& cfg = ctx.config;
  PostgresConfig out;
  read_connection(cfg, out);

  out.pool_size = static_cast<int>(cfg.integer("pool_size", out.pool_size));
  if (out.pool_size < 1 || out.pool_size > 64)
    cfg.error_at("pool_size", "must be between 1 and 64");
  out.prepared_statements = cfg.boolean("prepared_statements", out.prepared_statements);
  out.connect_timeout = cfg.duration("connect_timeout", out.connect_timeout);
  if (out.connect_timeout <= std::chrono::nanoseconds::zero())
    cfg.error_at("connect_timeout", "must be positive");
  out.query_timeout = cfg.duration("query_timeout", out.query_timeout);
  if (out.query_timeout <= std::chrono::nanoseconds::zero())
    cfg.error_at("query_timeout", "must be positive");
  out.max_series = cfg.integer("max_series", out.max_series);
  if (out.max_series < 1) cfg.error_at("max_series", "must be at least 1");
  read_groups(cfg, out);

  QueryDefaults defaults{out.query_timeout, out.max_series};
  // Each query with where it came from, for errors found across queries.
  std::vector<CustomQuery> all;
  std::vector<std::function<void(const char*, const std::string&)>> report;
  std::vector<ConfigView> inline_queries = cfg.array("query");
  for (const ConfigView& v : inline_queries) {
    if (v.kind() != PE_CONFIG_TABLE) {
      v.error("expected a table ([[collector.config.query]])");
      continue;
    }
    ConfigViewSource src(v);
    if (auto q = read_custom_query(src, defaults)) {
      all.push_back(std::move(*q));
      report.push_back([v](const char* key, const std::string& m) { v.error_at(key, m); });
    }
  }
  std::vector<std::string> files = cfg.string_array("query_files");
  for (const std::string& file : files) {
    std::vector<std::string> errors;
    auto loaded = read_query_file(file, defaults, errors);
    for (const std::string& e : errors) cfg.error_at("query_files", e);
    for (auto& lq : loaded) {
      all.push_back(std::move(lq.query));
      std::string where = std::move(lq.location);
      report.push_back([cfg, where](const char* key, const std::string& m) {
        cfg.error_at("query_files", where + (key ? std::string(".") + key : "") + ": " + m);
      });
    }
  }
  check_query_set(all,
                  [&](std::size_t i, const char* key, const std::string& m) { report[i](key, m); });

  for (CustomQuery& q : all)
    if (applies_to(q, ctx.collector_name)) out.queries.push_back(std::move(q));
  return out;
}

}  // namespace pe::postgres
