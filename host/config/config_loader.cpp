// config_loader.cpp — plugin_exporter.toml → ExporterConfig, strictly.
#include "config/config_loader.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/config_document.hpp"
#include "plugin_exporter/exposition/metric_names.hpp"

#ifndef PE_DEFAULT_PLUGIN_DIR
#define PE_DEFAULT_PLUGIN_DIR "/usr/lib/plugin_exporter/plugins"
#endif

namespace pe::host {
namespace fs = std::filesystem;

std::string default_plugin_dir() {
  // Run from a build tree: plugins sit next to the executable.
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path beside = exe.parent_path() / "plugins";
    if (fs::is_directory(beside, ec)) return beside.string();
  }
  return PE_DEFAULT_PLUGIN_DIR;
}

namespace {

void read_web(TableView t, WebConfig& web) {
  if (auto v = t.string_array("listen_addresses")) {
    if (v->empty()) t.error("listen_addresses", "needs at least one address");
    else web.listen_addresses = *v;
  }
  if (auto v = t.string("telemetry_path")) {
    if (v->empty() || (*v)[0] != '/') t.error("telemetry_path", "must start with '/'");
    else web.telemetry_path = *v;
  }
  auto positive = [&](std::string_view key, int& out, int max) {
    if (auto v = t.integer(key)) {
      if (*v < 1 || *v > max) t.error(key, "must be between 1 and " + std::to_string(max));
      else out = static_cast<int>(*v);
    }
  };
  positive("max_concurrent_scrapes", web.max_concurrent_scrapes, 100000);
  positive("http_threads", web.http_threads, 4096);
  positive("http_queue", web.http_queue, 100000);
  auto duration = [&](std::string_view key, Duration& out, bool allow_zero) {
    if (auto v = t.duration(key)) {
      if (*v < Duration::zero() || (!allow_zero && *v == Duration::zero()))
        t.error(key, allow_zero ? "must not be negative" : "must be positive");
      else out = *v;
    }
  };
  duration("scrape_timeout_offset", web.scrape_timeout_offset, true);
  duration("read_timeout", web.read_timeout, false);
  duration("write_timeout", web.write_timeout, false);
  duration("keep_alive_timeout", web.keep_alive_timeout, false);
  duration("shutdown_grace", web.shutdown_grace, true);
  if (auto v = t.integer("max_body_bytes")) {
    if (*v < 1) t.error("max_body_bytes", "must be positive");
    else web.max_body_bytes = static_cast<uint64_t>(*v);
  }
}

void read_tokens_file(TableView t, const std::string& file, std::vector<std::string>& out) {
  std::ifstream in(file);
  if (!in) {
    t.error("bearer_token_files", "cannot read token file \"" + file + "\"");
    return;
  }
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
}

void read_auth(TableView t, AuthConfig& auth) {
  if (auto v = t.string_array("bearer_tokens")) {  // inline: redacted by key name
    auth.bearer_tokens.insert(auth.bearer_tokens.end(), v->begin(), v->end());
  }
  if (auto files = t.string_array("bearer_token_files")) {
    for (const std::string& f : *files) read_tokens_file(t, f, auth.bearer_tokens);
  }
  if (auto vars = t.string_array("bearer_token_env")) {
    for (const std::string& var : *vars) {
      const char* value = std::getenv(var.c_str());
      if (!value || !*value) t.error("bearer_token_env", "environment variable " + var + " is not set");
      else auth.bearer_tokens.emplace_back(value);
    }
  }
  for (const std::string& tok : auth.bearer_tokens) {
    if (tok.size() < 8) {
      t.error_here("a bearer token is shorter than 8 characters; use a long random token");
      break;
    }
  }
  if (auto v = t.boolean("open_health_endpoints")) auth.open_health_endpoints = *v;
}

std::vector<RelabelRule> read_relabel(TableView parent, std::string_view key) {
  std::vector<RelabelRule> rules;
  std::vector<TableView> tables = parent.table_array(key);
  const std::size_t errors_before = parent.doc().errors().size();
  for (TableView& r : tables) {
    RelabelRule rule;
    if (auto a = r.string("action")) {
      auto act = relabel_action_from_string(*a);
      if (!act) r.error("action", "unknown relabel action \"" + *a +
                                      "\" (replace, keep, drop, labelmap, labeldrop, labelkeep, "
                                      "hashmod, lowercase, uppercase, keepequal, dropequal)");
      else rule.action = *act;
    }
    if (auto v = r.string_array("source_labels")) rule.source_labels = *v;
    if (auto v = r.string("separator")) rule.separator = *v;
    if (auto v = r.string("regex")) rule.regex = *v;
    if (auto v = r.string("target_label")) rule.target_label = *v;
    if (auto v = r.string("replacement")) rule.replacement = *v;
    if (auto v = r.integer("modulus")) {
      if (*v < 0) r.error("modulus", "must not be negative");
      else rule.modulus = static_cast<uint64_t>(*v);
    }
    rules.push_back(std::move(rule));
  }
  // Semantic checks (regex, required fields) once every field read cleanly.
  if (!rules.empty() && parent.doc().errors().size() == errors_before) {
    std::string error;
    std::size_t bad = 0;
    if (!RelabelProgram::compile(rules, error, bad)) {
      // The key path already names the rule: drop the compiler's "relabel rule N (...): ".
      if (auto colon = error.find("): "); error.rfind("relabel rule ", 0) == 0 && colon != std::string::npos)
        error.erase(0, colon + 3);
      tables[std::min(bad, tables.size() - 1)].error_here(error);
    }
  }
  return rules;
}

std::string resolve_plugin_path(const std::string& plugin, const std::string& plugin_dir,
                                const std::string& config_file) {
  if (plugin.find('/') != std::string::npos) {
    fs::path p(plugin);
    if (p.is_relative() && !config_file.empty())
      p = fs::path(config_file).parent_path() / p;
    return p.lexically_normal().string();
  }
  return (fs::path(plugin_dir) / (plugin + ".so")).string();
}

void read_collector(TableView t, ExporterConfig& cfg, std::set<std::string>& names) {
  CollectorConfig c;
  c.table = &t.table();
  c.path = t.path();
  if (t.require("name")) {
    if (auto v = t.string("name")) {
      bool valid = !v->empty() && v->size() <= 128;
      for (char ch : *v)
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.'))
          valid = false;
      if (!valid) t.error("name", "collector names use letters, digits, '_', '-' and '.' (1-128)");
      else if (!names.insert(*v).second)
        t.error("name", "duplicate collector name \"" + *v + "\"");
      c.name = *v;
    }
  }
  if (t.require("plugin")) {
    if (auto v = t.string("plugin")) {
      c.plugin = *v;
      c.plugin_path = resolve_plugin_path(*v, cfg.plugin_dir, cfg.file);
      std::error_code ec;
      if (v->empty()) {
        t.error("plugin", "must name a plugin");
      } else if (!fs::is_regular_file(c.plugin_path, ec)) {
        t.error("plugin", "unknown plugin \"" + *v + "\": no file " + c.plugin_path);
      }
    }
  }
  if (auto v = t.duration("timeout")) {
    if (*v <= Duration::zero()) t.error("timeout", "must be positive");
    else c.timeout = *v;
  }
  if (auto v = t.string_map("labels")) {
    for (auto& [k, val] : *v) {
      if (!is_valid_label_name(k) || is_reserved_label_name(k))
        t.error("labels", "invalid label name \"" + k + "\"");
    }
    c.labels = *v;
  }
  if (auto v = t.boolean("honor_labels")) c.honor_labels = *v;
  if (auto v = t.integer("max_samples")) {
    if (*v < 1) t.error("max_samples", "must be positive");
    else c.max_samples = static_cast<uint64_t>(*v);
  }
  c.relabel = read_relabel(t, "relabel");
  if (t.has("config")) {
    if (auto sub = t.subtable("config")) {
      c.plugin_table = &sub->table();
      c.plugin_table_path = sub->path();
      t.doc().defer_unused_check(c.plugin_table);  // the plugin reads it at create
    }
  } else {
    c.plugin_table_path = t.path_of("config");
  }
  if (!cfg.state_dir.empty() && !c.name.empty())
    c.state_dir = (fs::path(cfg.state_dir) / c.name).string();
  std::ostringstream fp;
  fp << t.table();
  c.fingerprint = fp.str();
  cfg.collectors.push_back(std::move(c));
}

LoadResult load_document(std::shared_ptr<const toml::table> root, const std::string& file,
                         const ConfigOverrides& overrides) {
  LoadResult result;
  ExporterConfig cfg;
  cfg.file = file;
  cfg.document = std::make_shared<ConfigDocument>(file, std::move(root));
  ConfigDocument& doc = *cfg.document;
  TableView top = doc.root_view();

  cfg.plugin_dir = overrides.plugin_dir;
  if (auto v = top.string("plugin_dir"); v && cfg.plugin_dir.empty()) {
    fs::path p(*v);
    if (p.is_relative() && !file.empty()) p = fs::path(file).parent_path() / p;
    cfg.plugin_dir = p.lexically_normal().string();
  }
  if (cfg.plugin_dir.empty()) cfg.plugin_dir = default_plugin_dir();
  if (auto v = top.string("state_dir")) cfg.state_dir = *v;
  if (auto v = top.integer("collector_threads")) {
    if (*v < 0 || *v > 4096) top.error("collector_threads", "must be between 0 and 4096");
    else cfg.collector_threads = static_cast<int>(*v);
  }
  if (auto web = top.subtable("web")) {
    read_web(*web, cfg.web);
    if (auto v = web->integer("ready_min_collectors_up")) {
      if (*v < 0) web->error("ready_min_collectors_up", "must not be negative");
      else cfg.ready_min_collectors_up = static_cast<uint32_t>(*v);
    }
  }
  if (!overrides.listen_addresses.empty()) cfg.web.listen_addresses = overrides.listen_addresses;
  if (auto auth = top.subtable("auth")) read_auth(*auth, cfg.auth);
  cfg.relabel = read_relabel(top, "relabel");

  std::set<std::string> names;
  std::vector<TableView> collectors = top.table_array("collector");
  for (TableView& c : collectors) read_collector(c, cfg, names);

  doc.report_unused(doc.root(), "");
  result.errors = doc.sorted_errors();
  if (result.errors.empty()) result.config = std::move(cfg);
  return result;
}

}  // namespace

LoadResult load_config_text(const std::string& text, const std::string& display_name,
                            const ConfigOverrides& overrides) {
  try {
    auto root = std::make_shared<toml::table>(toml::parse(text, display_name));
    return load_document(std::move(root), display_name, overrides);
  } catch (const toml::parse_error& e) {
    LoadResult r;
    ConfigError err;
    err.file = display_name;
    err.line = e.source().begin.line;
    err.column = e.source().begin.column;
    err.message = "TOML syntax error: " + std::string(e.description());
    r.errors.push_back(std::move(err));
    return r;
  }
}

LoadResult load_config_file(const std::string& path, const ConfigOverrides& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.errors.push_back(ConfigError{path, 0, 0, "", "cannot read the configuration file"});
    return r;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_config_text(ss.str(), path, overrides);
}

}  // namespace pe::host
