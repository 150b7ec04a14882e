// script_config.cpp — reading and validating a script collector's table.
#include "script_config.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "plugin_exporter/text.hpp"

namespace pe::script {
namespace {

using std::chrono::nanoseconds;
constexpr int64_t kSecond = 1'000'000'000;

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Looks up a user by name or numeric id.
std::optional<passwd> find_user(const std::string& who, std::string& storage, std::string& name) {
  passwd pw{};
  passwd* found = nullptr;
  storage.assign(16384, '\0');
  int rc = all_digits(who) ? getpwuid_r(static_cast<uid_t>(std::strtoul(who.c_str(), nullptr, 10)),
                                        &pw, storage.data(), storage.size(), &found)
                           : getpwnam_r(who.c_str(), &pw, storage.data(), storage.size(), &found);
  if (rc != 0 || !found) return std::nullopt;
  name = pw.pw_name;
  return pw;
}

std::optional<gid_t> find_group(const std::string& which) {
  if (all_digits(which)) return static_cast<gid_t>(std::strtoul(which.c_str(), nullptr, 10));
  group gr{};
  group* found = nullptr;
  std::string storage(16384, '\0');
  if (getgrnam_r(which.c_str(), &gr, storage.data(), storage.size(), &found) != 0 || !found)
    return std::nullopt;
  return gr.gr_gid;
}

void read_identity(const ConfigView& c, bool check_only, ScriptConfig& cfg) {
  const std::string user = c.string("user");
  const std::string group_name = c.string("group");
  if (user.empty()) {
    if (!group_name.empty()) c.error_at("group", "group needs user to be set as well");
    return;
  }
  std::string storage, user_name;
  auto pw = find_user(user, storage, user_name);
  if (!pw) {
    c.error_at("user", "unknown user " + quoted(user));
    return;
  }
  RunAs as;
  as.uid = pw->pw_uid;
  as.gid = pw->pw_gid;
  if (!group_name.empty()) {
    auto gid = find_group(group_name);
    if (!gid) {
      c.error_at("group", "unknown group " + quoted(group_name));
      return;
    }
    as.gid = *gid;
  }
  // Supplementary groups as the user would get them at login.
  int n = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  if (getgrouplist(user_name.c_str(), as.gid, groups.data(), &n) < 0) {
    groups.resize(static_cast<std::size_t>(n));
    getgrouplist(user_name.c_str(), as.gid, groups.data(), &n);
  }
  groups.resize(static_cast<std::size_t>(std::max(n, 0)));
  as.groups = std::move(groups);
  cfg.run_as_text = user_name + ":" + (group_name.empty() ? std::to_string(as.gid) : group_name);
  if (!check_only && geteuid() != 0 && as.uid != geteuid()) {
    c.error_at("user", "running programs as " + quoted(user) +
                           " needs the exporter to run as root (it runs as uid " +
                           std::to_string(geteuid()) + ")");
    return;
  }
  if (geteuid() == 0 || check_only) cfg.run_as = std::move(as);
}

void read_command(const ConfigView& c, ScriptConfig& cfg) {
  if (!c.has("command")) {
    c.error(
        "missing required key \"command\" (the program and its arguments, e.g. "
        "[\"/usr/local/bin/check.sh\", \"--fast\"])");
    return;
  }
  cfg.command = c.string_array("command");
  if (cfg.command.empty()) {
    c.error_at("command", "needs at least the program's path");
    return;
  }
  for (const std::string& arg : cfg.command)
    if (arg.find('\0') != std::string::npos) c.error_at("command", "arguments may not contain NUL");
  const std::string& program = cfg.command[0];
  if (program.empty() || program[0] != '/') {
    c.error_at("command",
               "the program must be an absolute path (no PATH search), got " + quoted(program));
    return;
  }
  struct stat st {};
  if (::stat(program.c_str(), &st) != 0) {
    c.error_at("command", "program " + quoted(program) + " does not exist");
  } else if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) {
    c.error_at("command", "program " + quoted(program) + " is not an executable file");
  }
}

// A name the base environment may hold: valid, not reserved, not twice.
bool check_variable(const ConfigView& c, const char* key, const std::string& name,
                    const std::vector<std::string>& so_far) {
  if (!valid_variable_name(name)) {
    c.error_at(key, "invalid environment variable name " + quoted(name));
    return false;
  }
  if (name.starts_with("PLUGIN_EXPORTER_")) {
    c.error_at(key, "variables starting with PLUGIN_EXPORTER_ are set by the plugin itself");
    return false;
  }
  for (const std::string& e : so_far) {
    if (e.compare(0, name.size() + 1, name + "=") == 0) {
      c.error_at(key,
                 "variable " + quoted(name) + " is set twice (environment / inherit_environment)");
      return false;
    }
  }
  return true;
}

void read_environment(const ConfigView& c, ScriptConfig& cfg) {
  ConfigView env = c.get("environment");
  if (env.present()) {
    if (env.kind() != PE_CONFIG_TABLE) {
      env.error("expected a table of variable = \"value\"");
    } else {
      for (const std::string& name : env.keys()) {
        auto value = env.get(name.c_str()).as_string();
        if (!value) continue;
        if (value->find('\0') != std::string::npos) {
          env.error_at(name.c_str(), "values may not contain NUL");
          continue;
        }
        if (check_variable(c, "environment", name, cfg.environment))
          cfg.environment.push_back(name + "=" + *value);
      }
    }
  }
  for (const std::string& name : c.string_array("inherit_environment")) {
    if (!check_variable(c, "inherit_environment", name, cfg.environment)) continue;
    if (const char* value = std::getenv(name.c_str()))
      cfg.environment.push_back(name + "=" + value);
  }
  bool has_path = std::any_of(cfg.environment.begin(), cfg.environment.end(),
                              [](const std::string& e) { return e.starts_with("PATH="); });
  if (!has_path) cfg.environment.push_back(std::string("PATH=") + kDefaultPath);
}

void read_parameters(const ConfigView& c, ScriptConfig& cfg) {
  for (const ConfigView& p : c.array("parameter")) {
    if (p.kind() != PE_CONFIG_TABLE) {
      p.error("expected a table with name, regex and env or argument");
      continue;
    }
    ParameterSpec spec;
    spec.name = p.required_string("name");
    spec.regex = p.required_string("regex");
    spec.required = p.boolean("required", false);
    if (p.has("default")) spec.default_value = p.string("default");
    int64_t max_length = p.integer("max_length", 256);
    if (max_length < 1 || max_length > 65536) {
      p.error_at("max_length", "must be between 1 and 65536");
      continue;
    }
    spec.max_length = static_cast<std::size_t>(max_length);
    const bool has_env = p.has("env"), has_arg = p.has("argument");
    if (has_env == has_arg) {
      p.error(
          "give exactly one of env = \"VARIABLE\" or argument = \"--flag\" (how the value "
          "reaches the program)");
      continue;
    }
    if (has_env) {
      spec.delivery = ParameterSpec::Delivery::environment;
      spec.target = p.string("env");
      for (const std::string& e : cfg.environment) {
        if (e.compare(0, spec.target.size() + 1, spec.target + "=") == 0 && spec.target != "PATH") {
          p.error_at("env", "variable " + quoted(spec.target) +
                                " is already set by environment / inherit_environment");
        }
      }
    } else {
      spec.delivery = ParameterSpec::Delivery::argument;
      spec.target = p.string("argument");
    }
    if (spec.required && spec.default_value)
      p.error_at("required", "a parameter with a default cannot be required");
    if (spec.name.empty() || spec.regex.empty()) continue;
    const char* key = nullptr;
    if (auto why = cfg.parameters.add(std::move(spec), &key)) p.error_at(key, *why);
  }
}

int64_t positive_duration(const ConfigView& c, const char* key, int64_t fallback, int64_t max) {
  int64_t v = c.duration(key, nanoseconds(fallback)).count();
  if (v <= 0 || v > max) {
    c.error_at(key, "must be positive and at most " + std::to_string(max / kSecond) + "s");
    return fallback;
  }
  return v;
}

}  // namespace

const char* to_string(RunMode mode) noexcept {
  switch (mode) {
    case RunMode::on_scrape:
      return "scrape";
    case RunMode::cached:
      return "cached";
    case RunMode::background:
      return "background";
  }
  return "scrape";
}

namespace {

// working_directory: absolute and an existing directory.
void read_working_directory(const ConfigView& c, ScriptConfig& cfg) {
  cfg.working_directory = c.string("working_directory", "/");
  if (cfg.working_directory.empty() || cfg.working_directory[0] != '/') {
    c.error_at("working_directory", "must be an absolute path");
  } else {
    struct stat st {};
    if (::stat(cfg.working_directory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      c.error_at("working_directory",
                 "directory " + quoted(cfg.working_directory) + " does not exist");
  }
}

// timeout, kill_grace, max_output_bytes: what one run may take.
void read_run_limits(const ConfigView& c, ScriptConfig& cfg) {
  cfg.timeout_ns = positive_duration(c, "timeout", cfg.timeout_ns, 3600 * kSecond);
  int64_t grace = c.duration("kill_grace", nanoseconds(cfg.kill_grace_ns)).count();
  if (grace < 0 || grace > 60 * kSecond)
    c.error_at("kill_grace", "must be between 0s and 60s");
  else
    cfg.kill_grace_ns = grace;

  int64_t max_output = c.integer("max_output_bytes", static_cast<int64_t>(cfg.max_output_bytes));
  if (max_output < 1 || max_output > (int64_t{1} << 30))
    c.error_at("max_output_bytes", "must be between 1 and 1073741824");
  else
    cfg.max_output_bytes = static_cast<std::size_t>(max_output);
}

// format, skip_invalid_lines, keep_output_on_error: how the output is read.
void read_output_format(const ConfigView& c, ScriptConfig& cfg) {
  const std::string format = c.string("format", "auto");
  if (format == "auto")
    cfg.format = PE_FORMAT_AUTO;
  else if (format == "text")
    cfg.format = PE_FORMAT_TEXT;
  else if (format == "openmetrics")
    cfg.format = PE_FORMAT_OPENMETRICS;
  else
    c.error_at("format", "must be \"auto\", \"text\" or \"openmetrics\", got " + quoted(format));
  cfg.skip_invalid_lines = c.boolean("skip_invalid_lines", false);
  cfg.keep_output_on_error = c.boolean("keep_output_on_error", false);
}

// max_running_programs, stderr_log_interval.
void read_concurrency(const ConfigView& c, ScriptConfig& cfg) {
  int64_t cap = c.integer("max_running_programs", cfg.max_running_programs);
  if (cap < 1 || cap > 4096)
    c.error_at("max_running_programs", "must be between 1 and 4096");
  else
    cfg.max_running_programs = static_cast<int>(cap);

  int64_t log_interval =
      c.duration("stderr_log_interval", nanoseconds(cfg.stderr_log_interval_ns)).count();
  if (log_interval < 0)
    c.error_at("stderr_log_interval", "must not be negative");
  else
    cfg.stderr_log_interval_ns = log_interval;
}

// mode and the interval it needs (min_interval for cached, interval for
// background; either is refused for the other modes).
void read_run_mode(const ConfigView& c, ScriptConfig& cfg) {
  const std::string mode = c.string("mode", "scrape");
  if (mode == "scrape")
    cfg.mode = RunMode::on_scrape;
  else if (mode == "cached")
    cfg.mode = RunMode::cached;
  else if (mode == "background")
    cfg.mode = RunMode::background;
  else
    c.error_at("mode", "must be \"scrape\", \"cached\" or \"background\", got " + quoted(mode));

  const bool has_min_interval = c.has("min_interval"), has_interval = c.has("interval");
  if (cfg.mode == RunMode::cached) {
    if (!has_min_interval)
      c.error("mode = \"cached\" needs min_interval (e.g. \"30s\")");
    else
      cfg.min_interval_ns = positive_duration(c, "min_interval", kSecond, 7 * 24 * 3600 * kSecond);
  } else if (has_min_interval) {
    c.duration("min_interval", nanoseconds(0));
    c.error_at("min_interval", "only applies to mode = \"cached\"");
  }
  if (cfg.mode == RunMode::background) {
    if (!has_interval)
      c.error("mode = \"background\" needs interval (e.g. \"60s\")");
    else
      cfg.interval_ns = positive_duration(c, "interval", kSecond, 7 * 24 * 3600 * kSecond);
  } else if (has_interval) {
    c.duration("interval", nanoseconds(0));
    c.error_at("interval", "only applies to mode = \"background\"");
  }
}

}  // namespace

ScriptConfig read_script_config(const ConfigView& c, bool check_only) {
  ScriptConfig cfg;
  read_command(c, cfg);
  read_working_directory(c, cfg);
  read_environment(c, cfg);
  read_identity(c, check_only, cfg);
  read_run_limits(c, cfg);
  read_output_format(c, cfg);
  read_concurrency(c, cfg);
  read_run_mode(c, cfg);
  read_parameters(c, cfg);
  if (cfg.mode == RunMode::background && !cfg.parameters.empty())
    c.error_at("parameter",
               "mode = \"background\" runs without a scrape, so it cannot take scrape parameters");
  return cfg;
}

}  // namespace pe::script
