// effective_config.cpp — the redacted file with the host's effective values
// written over it.
#include "config/effective_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <sstream>

#include "config/config_document.hpp"
#include "config/config_redaction.hpp"
#include "plugin_exporter/duration.hpp"

namespace pe::host {
namespace {

toml::table& table_at(toml::table& parent, std::string_view key) {
  if (auto t = parent.get_as<toml::table>(key)) return *t;
  return *parent.insert_or_assign(key, toml::table{}).first->second.as_table();
}

toml::array strings(const std::vector<std::string>& v) {
  toml::array a;
  for (const std::string& s : v) a.push_back(s);
  return a;
}

int64_t as_int(uint64_t v) {
  return static_cast<int64_t>(std::min<uint64_t>(v, INT64_MAX));
}

void put_web(toml::table& web, const ExporterConfig& c) {
  const WebConfig& w = c.web;
  web.insert_or_assign("listen_addresses", strings(w.listen_addresses));
  web.insert_or_assign("telemetry_path", w.telemetry_path);
  web.insert_or_assign("max_concurrent_scrapes", w.max_concurrent_scrapes);
  web.insert_or_assign("scrape_timeout_offset", format_duration(w.scrape_timeout_offset));
  web.insert_or_assign("http_threads", w.http_threads);
  web.insert_or_assign("io_threads", w.io_threads);
  web.insert_or_assign("max_connections", as_int(w.max_connections));
  web.insert_or_assign("max_connections_per_client", as_int(w.max_connections_per_client));
  web.insert_or_assign("max_header_bytes", as_int(w.max_header_bytes));
  web.insert_or_assign("header_timeout", format_duration(w.header_timeout));
  web.insert_or_assign("body_timeout", format_duration(w.body_timeout));
  web.insert_or_assign("write_timeout", format_duration(w.write_timeout));
  web.insert_or_assign("keep_alive_timeout", format_duration(w.keep_alive_timeout));
  web.insert_or_assign("max_body_bytes", as_int(w.max_body_bytes));
  web.insert_or_assign("shutdown_grace", format_duration(w.shutdown_grace));
  web.insert_or_assign("ready_min_collectors_up", static_cast<int64_t>(c.ready_min_collectors_up));
}

void put_collector(toml::table& t, const CollectorConfig& c) {
  t.insert_or_assign("plugin_file", c.plugin_path);  // the file the plugin name resolved to
  t.insert_or_assign("timeout", format_duration(c.timeout));
  t.insert_or_assign("honor_labels", c.honor_labels);
  t.insert_or_assign("max_samples", as_int(c.max_samples));
  if (!c.state_dir.empty()) t.insert_or_assign("state_dir", c.state_dir);
  t.insert_or_assign("isolation", c.isolated ? "process" : "in_process");
  if (c.memory_limit) t.insert_or_assign("memory_limit", as_int(c.memory_limit));
  if (c.rss_limit) t.insert_or_assign("rss_limit", as_int(c.rss_limit));
  if (c.max_collects) t.insert_or_assign("max_collects", as_int(c.max_collects));
  if (!c.user.empty()) t.insert_or_assign("user", c.user);
  t.insert_or_assign("on_crash", c.isolate_on_crash ? "isolate" : "quarantine");
}

// Sets `flag` (and `reason_key` with why) on the collector's table: true
// when `entries` names it. Returns the flag.
bool put_crash_verdict(toml::table& t, const std::string& collector,
                       const std::vector<std::pair<std::string, std::string>>& entries,
                       const char* flag, const char* reason_key) {
  auto e = std::find_if(entries.begin(), entries.end(),
                        [&](const auto& x) { return x.first == collector; });
  t.insert_or_assign(flag, e != entries.end());
  if (e != entries.end()) t.insert_or_assign(reason_key, e->second);
  return e != entries.end();
}

}  // namespace

std::string effective_config_json(
    const ExporterConfig& config,
    const std::vector<std::pair<std::string, std::string>>& quarantined,
    const std::vector<std::pair<std::string, std::string>>& demoted) {
  toml::table root = redacted_config_table(*config.document);
  root.insert_or_assign("plugin_dir", config.plugin_dir);
  if (!config.state_dir.empty()) root.insert_or_assign("state_dir", config.state_dir);
  root.insert_or_assign("collector_threads", config.collector_threads);
  put_web(table_at(root, "web"), config);
  table_at(root, "auth")
      .insert_or_assign("open_health_endpoints", config.auth.open_health_endpoints);
  if (auto* collectors = root.get_as<toml::array>("collector")) {
    for (std::size_t i = 0; i < collectors->size() && i < config.collectors.size(); ++i)
      if (auto* t = collectors->get_as<toml::table>(i)) {
        const std::string& name = config.collectors[i].name;
        put_collector(*t, config.collectors[i]);
        put_crash_verdict(*t, name, quarantined, "quarantined", "quarantine_reason");
        if (put_crash_verdict(*t, name, demoted, "demoted", "demotion_reason"))
          t->insert_or_assign("isolation", "process");
      }
  }
  std::ostringstream out;
  out << toml::json_formatter(root);
  return out.str();
}

}  // namespace pe::host
