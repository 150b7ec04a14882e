// status_page.cpp — renders the status page (HTML) and holds its script.
#include "http/status_page.hpp"

#include <cstdio>
#include <ctime>

#include "http/html_escape.hpp"
#include "http/status_json.hpp"
#include "plugin_exporter/exposition/float_format.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host {
namespace {

// "2026-12-05 17:30:01Z"; "never" for 0.
std::string utc_time(int64_t unix_ms) {
  if (unix_ms <= 0) return "never";
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// "3d 4h", "5m 10s", "12s".
std::string duration_words(int64_t ms) {
  int64_t s = ms / 1000;
  char buf[48];
  if (s >= 86400)
    std::snprintf(buf, sizeof buf, "%lldd %lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  else if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh %lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%lldm %llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  return buf;
}

// A collect's duration for people: "29 µs", "2.3 ms", "1.25 s".
std::string seconds_words(double seconds) {
  char buf[48];
  if (!(seconds >= 0)) return "—";
  if (seconds < 1e-3)
    std::snprintf(buf, sizeof buf, "%.0f µs", seconds * 1e6);
  else if (seconds < 1)
    std::snprintf(buf, sizeof buf, "%.3g ms", seconds * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.3g s", seconds);
  return buf;
}

std::string time_with_age(int64_t unix_ms, int64_t now_ms) {
  if (unix_ms <= 0) return "never";
  return html_escape(utc_time(unix_ms)) + " <span class=\"age\">(" +
         duration_words(std::max<int64_t>(0, now_ms - unix_ms)) + " ago)</span>";
}

constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
    "h1{margin:0 0 .2em}h2{margin:1.4em 0 .4em;font-size:1.2em}"
    "nav a{margin-right:1em}"
    "table{border-collapse:collapse;margin:.3em 0}"
    "td,th{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
    "th[data-sort]{cursor:pointer;user-select:none}th[data-sort]:hover{text-decoration:underline}"
    "th.asc::after{content:' \\25B2'}th.desc::after{content:' \\25BC'}"
    "dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{color:#555}"
    "dd{margin:0}.age{color:#777}"
    ".health{font-weight:600}.h-up,.h-connected{color:#070}.h-down,.h-disconnected{color:#b00}"
    ".h-source_down{color:#b60}"
    ".h-unknown{color:#777}.h-quarantined{color:#b00}tr.down td,tr.quarantined "
    "td,tr.disconnected td{background:#fff0f0}"
    ".err{color:#b00;white-space:pre-wrap;max-width:50em;overflow-wrap:anywhere}"
    ".controls{margin:.4em 0}.controls>*{margin-right:.6em}"
    ".note{color:#666;font-style:italic}pre{background:#f6f6f6;padding:1em;overflow:auto}"
    "table.kv td:first-child{color:#555}";

void page_head(std::string& out, std::string_view title) {
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\"><title>";
  out += html_escape(title);
  out += "</title><style>";
  out += kStyle;
  out += "</style>";
}

void nav(std::string& out, const StatusSnapshot& s) {
  out += "<nav><a href=\"" + html_escape(s.telemetry_path) +
         "\">Metrics</a><a href=\"/configz\">Configuration</a>"
         "<a href=\"/healthz\">Liveness</a><a href=\"/readyz\">Readiness</a><a href=\"" +
         std::string(kStatusJsonPath) + "\">Status as JSON</a></nav>\n";
}

void exporter_section(std::string& out, const StatusSnapshot& s) {
  out += "<h2 id=\"exporter\">Exporter</h2>\n<dl class=\"facts\">";
  auto fact = [&](std::string_view k, const std::string& html) {
    out += "<dt>" + std::string(k) + "</dt><dd>" + html + "</dd>";
  };
  fact("Version", html_escape(s.version) + " (revision " + html_escape(s.revision) +
                      ", plugin ABI " + html_escape(s.abi) + ")");
  if (s.started_unix_ms) fact("Started", time_with_age(s.started_unix_ms, s.now_unix_ms));
  fact("Configuration file", s.config_file.empty() ? "—" : html_escape(s.config_file));
  std::string listeners;
  for (const std::string& l : s.listeners)
    listeners += (listeners.empty() ? "" : ", ") + html_escape(l);
  fact("Listeners", listeners.empty() ? "—" : listeners);
  const ReloadRecord& r = s.last_reload;
  if (r.unix_ms == 0) {
    fact("Last reload", "none since start");
  } else if (!r.ok) {
    fact("Last reload", "<span class=\"h-down\">failed</span> " +
                            time_with_age(r.unix_ms, s.now_unix_ms) +
                            "; the running configuration stays (the reason is in the log)");
  } else {
    auto names = [](const std::string& csv) { return csv.empty() ? "none" : html_escape(csv); };
    fact("Last reload", "<span class=\"h-up\">succeeded</span> " +
                            time_with_age(r.unix_ms, s.now_unix_ms) + "; started " +
                            names(r.started) + ", stopped " + names(r.stopped) + ", kept " +
                            names(r.kept));
  }
  out += "</dl>\n";
}

// Beside the plugin's name: nothing in process, "(process)" isolated,
// "(process, after crash)" demoted.
std::string isolation_note(const std::string& isolation) {
  if (isolation == "in_process") return "";
  const bool demoted = isolation != "process";
  return std::string(" <span class=\"note\">(process") + (demoted ? ", after crash" : "") +
         ")</span>";
}

void collectors_section(std::string& out, const StatusSnapshot& s) {
  std::size_t counts[5] = {0, 0, 0, 0, 0};  // up, down, source_down, unknown, quarantined
  for (const CollectorStatus& c : s.collectors) {
    std::string h = health_word(c);
    ++counts[h == "up" ? 0 : h == "down" ? 1 : h == "source_down" ? 2 : h == "unknown" ? 3 : 4];
  }
  out += "<h2 id=\"collectors\">Collectors</h2>\n<p id=\"collector-counts\">" +
         std::to_string(s.collectors.size()) + " collectors: " + std::to_string(counts[0]) +
         " up, " + std::to_string(counts[1]) + " down, " + std::to_string(counts[2]) +
         " source down, " + std::to_string(counts[3]) + " not collected yet" +
         (counts[4] ? ", " + std::to_string(counts[4]) + " quarantined" : std::string()) +
         ".</p>\n";
  out +=
      "<div class=\"controls\"><label>Health <select id=\"health-filter\">"
      "<option value=\"\">all</option><option value=\"up\">up</option>"
      "<option value=\"down\">down</option><option value=\"source_down\">source down</option>"
      "<option value=\"unknown\">not collected yet</option>"
      "<option value=\"quarantined\">quarantined</option></select></label>"
      "<label>Search <input id=\"collector-search\" type=\"search\" "
      "placeholder=\"name, plugin or error\"></label>"
      "<label>Per page <select id=\"page-size\"><option>25</option><option selected>50</option>"
      "<option>100</option><option>500</option></select></label>"
      "<span id=\"pager\"></span></div>\n"
      "<table id=\"collector-table\" data-filter=\"health-filter\" "
      "data-search=\"collector-search\" data-page-size=\"page-size\" data-pager=\"pager\" "
      "data-keys=\"name plugin error health\" data-hash-prefix=\"\"><thead><tr>"
      "<th data-sort=\"name\">Collector</th><th data-sort=\"plugin\">Plugin</th>"
      "<th data-sort=\"health\">Health</th><th data-sort=\"last\" data-type=\"num\">Last "
      "collect</th>"
      "<th data-sort=\"duration\" data-type=\"num\">Duration</th>"
      "<th data-sort=\"samples\" data-type=\"num\">Samples</th>"
      "<th data-sort=\"scrapes\" data-type=\"num\">Scrapes ok / failed</th>"
      "<th data-sort=\"error\">Last error</th></tr></thead>\n<tbody>\n";
  for (const CollectorStatus& c : s.collectors) {
    const CollectorHealth& h = c.health;
    const std::string hw = health_word(c);
    out += "<tr class=\"" + hw + "\" data-name=\"" + html_escape(c.name) + "\" data-plugin=\"" +
           html_escape(c.plugin) + "\" data-health=\"" + hw + "\" data-last=\"" +
           std::to_string(h.last_collect_unix_ms) + "\" data-duration=\"" +
           format_double(h.last_duration_seconds) + "\" data-samples=\"" +
           std::to_string(h.last_samples) + "\" data-scrapes=\"" +
           std::to_string(h.scrapes_ok + h.scrapes_failed) + "\" data-error=\"" +
           html_escape(c.quarantine.empty() ? h.last_error : c.quarantine) + "\">";
    out += "<td><a href=\"" + html_escape(s.telemetry_path) +
           "?collector=" + html_escape(percent_encode(c.name)) + "\">" + html_escape(c.name) +
           "</a></td><td>" + html_escape(c.plugin) + isolation_note(c.isolation) +
           "</td><td class=\"health h-" + hw + "\">" + hw + "</td><td>" +
           time_with_age(h.last_collect_unix_ms, s.now_unix_ms) + "</td><td>" +
           (h.collected ? seconds_words(h.last_duration_seconds) : std::string("—")) + "</td><td>" +
           std::to_string(h.last_samples) + "</td><td>" + std::to_string(h.scrapes_ok) + " / " +
           std::to_string(h.scrapes_failed) + "</td><td>";
    if (!c.quarantine.empty())
      out += "<div class=\"err\">" + html_escape(c.quarantine) + "</div>";
    else if (!h.last_error.empty())
      out += "<div class=\"err\">" + html_escape(h.last_error) + "</div><span class=\"age\">" +
             html_escape(utc_time(h.last_error_unix_ms)) + "</span>";
    out += "</td></tr>\n";
  }
  out += "</tbody></table>\n";
}

void json_html(std::string& out, const JsonValue& v, int64_t now_ms);

// `labels` objects shown inline: {job="x", instance="y"}.
std::string inline_labels(const JsonValue& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.members.size(); ++i) {
    out += (i ? ", " : "") + html_escape(v.members[i].key) + "=\"" +
           html_escape(v.members[i].value.kind == JsonValue::Kind::string
                           ? v.members[i].value.text
                           : v.members[i].value.dump()) +
           "\"";
  }
  return out + "}";
}

void json_cell(std::string& out, const std::string& key, const JsonValue& v, int64_t now_ms) {
  if (key.size() > 8 && key.ends_with("_unix_ms") && v.kind == JsonValue::Kind::number) {
    out += time_with_age(std::atoll(v.text.c_str()), now_ms);
  } else if (key == "labels" && v.kind == JsonValue::Kind::object) {
    out += inline_labels(v);
  } else {
    json_html(out, v, now_ms);
  }
}

// A plugin's status document: objects as key/value tables, arrays of
// objects as tables, scalars as text — everything escaped.
void json_html(std::string& out, const JsonValue& v, int64_t now_ms) {
  switch (v.kind) {
    case JsonValue::Kind::null:
      out += "—";
      return;
    case JsonValue::Kind::boolean:
      out += v.boolean ? "yes" : "no";
      return;
    case JsonValue::Kind::number:
    case JsonValue::Kind::string:
      out += html_escape(v.text);
      return;
    case JsonValue::Kind::object:
      out += "<table class=\"kv\">";
      for (const auto& [k, m] : v.members) {
        out += "<tr><td>" + html_escape(k) + "</td><td>";
        json_cell(out, k, m, now_ms);
        out += "</td></tr>";
      }
      out += "</table>";
      return;
    case JsonValue::Kind::array: {
      if (v.items.empty()) {
        out += "none";
        return;
      }
      if (v.items.front().kind != JsonValue::Kind::object) {
        for (std::size_t i = 0; i < v.items.size(); ++i) {
          if (i) out += ", ";
          json_html(out, v.items[i], now_ms);
        }
        return;
      }
      const JsonValue& head = v.items.front();
      out += "<table><thead><tr>";
      for (const auto& [k, m] : head.members) out += "<th>" + html_escape(k) + "</th>";
      out += "</tr></thead><tbody>";
      for (const JsonValue& item : v.items) {
        out += "<tr>";
        for (const auto& [k, m] : head.members) {
          out += "<td>";
          if (const JsonValue* cell = item.find(k)) json_cell(out, k, *cell, now_ms);
          out += "</td>";
        }
        out += "</tr>";
      }
      out += "</tbody></table>";
      return;
    }
  }
}

void push_section(std::string& out, const StatusSnapshot& s) {
  out += "<h2 id=\"push\">Push collectors</h2>\n";
  if (s.plugin_documents.empty()) {
    out += "<p class=\"note\">No collector serves a push status.</p>\n";
    return;
  }
  for (const PluginStatusDocument& d : s.plugin_documents) {
    out += "<section class=\"push\"><h3>" + html_escape(d.collector) + " <span class=\"age\">(" +
           html_escape(d.plugin) + ", " + html_escape(d.path) + ")</span></h3>";
    if (d.document)
      json_html(out, *d.document, s.now_unix_ms);
    else
      out += "<p class=\"err\">" + html_escape(d.error) + "</p>";
    out += "</section>\n";
  }
}

void remote_write_section(std::string& out, const StatusSnapshot& s) {
  out += "<h2 id=\"remote-write\">Remote write</h2>\n";
  if (s.remote_writes.empty()) {
    out += "<p class=\"note\">No remote write endpoint is configured.</p>\n";
    return;
  }
  out +=
      "<table id=\"remote-write-table\"><thead><tr><th>Endpoint</th><th>URL</th>"
      "<th>Protocol</th><th>Queue (bytes)</th><th>Oldest unsent sample</th>"
      "<th>Samples sent / failed / dropped</th><th>Last error</th></tr></thead><tbody>\n";
  for (const RemoteWriteStatus& r : s.remote_writes) {
    out += "<tr><td>" + html_escape(r.name) + "</td><td>" + html_escape(r.url) + "</td><td>" +
           std::to_string(r.protocol) + ".0</td><td>" + std::to_string(r.queue_bytes) +
           "</td><td>" +
           (r.oldest_unsent_unix_ms ? time_with_age(r.oldest_unsent_unix_ms, s.now_unix_ms)
                                    : std::string("nothing queued")) +
           "</td><td>" + std::to_string(r.samples_sent) + " / " + std::to_string(r.samples_failed) +
           " / " + std::to_string(r.samples_dropped) + "</td><td>";
    if (!r.last_error.empty())
      out += "<div class=\"err\">" + html_escape(r.last_error) + "</div><span class=\"age\">" +
             html_escape(utc_time(r.last_error_unix_ms)) + "</span>";
    out += "</td></tr>\n";
  }
  out += "</tbody></table>\n";
}

// Only on a hub ([dialin]); the table shares the collector table's filter,
// search, sort and pages (the script wires every table that names its controls).
void agents_section(std::string& out, const StatusSnapshot& s) {
  if (!s.agents) return;
  const std::vector<AgentStatus>& agents = *s.agents;
  std::size_t connected = 0;
  for (const AgentStatus& a : agents) connected += a.connected ? 1 : 0;
  out += "<h2 id=\"agents\">Dial-in agents</h2>\n<p id=\"agent-counts\">" +
         std::to_string(agents.size()) + " agents: " + std::to_string(connected) + " connected, " +
         std::to_string(agents.size() - connected) +
         " disconnected (listed until they expire). Prometheus finds them at "
         "<a href=\"/agents/sd\">/agents/sd</a>.</p>\n";
  out +=
      "<div class=\"controls\"><label>State <select id=\"agent-filter\">"
      "<option value=\"\">all</option><option value=\"connected\">connected</option>"
      "<option value=\"disconnected\">disconnected</option></select></label>"
      "<label>Search <input id=\"agent-search\" type=\"search\" "
      "placeholder=\"alias, hostname, service, label or error\"></label>"
      "<label>Per page <select id=\"agent-page-size\"><option>25</option>"
      "<option selected>50</option><option>100</option><option>500</option></select></label>"
      "<span id=\"agent-pager\"></span></div>\n"
      "<table id=\"agent-table\" data-filter=\"agent-filter\" data-search=\"agent-search\" "
      "data-page-size=\"agent-page-size\" data-pager=\"agent-pager\" "
      "data-keys=\"name hostname service labels error health\" data-hash-prefix=\"agent-\">"
      "<thead><tr><th data-sort=\"name\">Alias</th><th data-sort=\"hostname\">Hostname</th>"
      "<th data-sort=\"service\">Service</th><th>Labels</th>"
      "<th data-sort=\"health\">State</th>"
      "<th data-sort=\"seen\" data-type=\"num\">Last seen</th>"
      "<th data-sort=\"scraped\" data-type=\"num\">Last scrape</th>"
      "<th data-sort=\"scrapes\" data-type=\"num\">Scrapes ok / failed</th></tr></thead>\n"
      "<tbody>\n";
  for (const AgentStatus& a : agents) {
    const std::string state = a.connected ? "connected" : "disconnected";
    std::string labels;
    for (const auto& [k, v] : a.labels)
      labels += (labels.empty() ? "" : ", ") + k + "=\"" + v + "\"";
    out += "<tr class=\"" + state + "\" data-name=\"" + html_escape(a.alias) +
           "\" data-hostname=\"" + html_escape(a.hostname) + "\" data-service=\"" +
           html_escape(a.service) + "\" data-labels=\"" + html_escape(labels) +
           "\" data-health=\"" + state + "\" data-seen=\"" +
           std::to_string(a.connected ? s.now_unix_ms : a.last_seen_unix_ms) +
           "\" data-scraped=\"" + std::to_string(a.last_scrape_unix_ms) + "\" data-scrapes=\"" +
           std::to_string(a.scrapes_ok + a.scrapes_failed) + "\" data-error=\"" +
           html_escape(a.last_scrape_error) + "\">";
    out +=
        "<td><a href=\"/agents/" + html_escape(percent_encode(a.alias)) + "/metrics\">" +
        html_escape(a.alias) + "</a></td><td>" + html_escape(a.hostname) + "</td><td>" +
        html_escape(a.service) + "</td><td>" +
        (labels.empty() ? "" : "{" + html_escape(labels) + "}") + "</td><td class=\"health h-" +
        state + "\">" + state + "</td><td>" +
        (a.connected ? "now; connected since " + time_with_age(a.last_seen_unix_ms, s.now_unix_ms)
                     : time_with_age(a.last_seen_unix_ms, s.now_unix_ms)) +
        "</td><td>";
    if (a.last_scrape_unix_ms == 0) {
      out += "never";
    } else {
      out += time_with_age(a.last_scrape_unix_ms, s.now_unix_ms) + ": ";
      if (a.last_scrape_error.empty())
        out += "<span class=\"h-up\">ok</span>";
      else
        out += "<div class=\"err\">" + html_escape(a.last_scrape_error) + "</div>";
    }
    out += "</td><td>" + std::to_string(a.scrapes_ok) + " / " + std::to_string(a.scrapes_failed) +
           "</td></tr>\n";
  }
  out += "</tbody></table>\n";
}

// Only in agent mode ([agent]).
void hubs_section(std::string& out, const StatusSnapshot& s) {
  if (!s.hubs) return;
  out +=
      "<h2 id=\"hubs\">Hubs this agent dials</h2>\n<table id=\"hub-table\"><thead><tr>"
      "<th>Hub</th><th>State</th><th>Since</th><th>Last error</th></tr></thead><tbody>\n";
  for (const HubLinkStatus& h : *s.hubs) {
    const std::string state = h.connected ? "connected" : "disconnected";
    out += "<tr class=\"" + state + "\"><td>" + html_escape(h.url) + "</td><td class=\"health h-" +
           state + "\">" + state + "</td><td>" +
           (h.since_unix_ms ? time_with_age(h.since_unix_ms, s.now_unix_ms)
                            : std::string("connecting")) +
           "</td><td>";
    if (!h.last_error.empty()) out += "<div class=\"err\">" + html_escape(h.last_error) + "</div>";
    out += "</td></tr>\n";
  }
  out += "</tbody></table>\n";
}

}  // namespace

std::string status_page_html(const StatusSnapshot& s) {
  std::string out;
  out.reserve(4096 + (s.collectors.size() + (s.agents ? s.agents->size() : 0)) * 700);
  page_head(out, "plugin_exporter status");
  out += "<script src=\"" + std::string(kStatusScriptPath) + "\" defer></script></head><body>\n";
  out += "<h1>plugin_exporter</h1>\n";
  nav(out, s);
  exporter_section(out, s);
  collectors_section(out, s);
  push_section(out, s);
  agents_section(out, s);
  hubs_section(out, s);
  remote_write_section(out, s);
  out += "</body></html>\n";
  return out;
}

std::string configz_html(std::string_view configz_json) {
  std::string out;
  page_head(out, "plugin_exporter configuration");
  out +=
      "</head><body>\n<h1>Effective configuration</h1>\n<p><a href=\"/\">Status</a> &middot; "
      "secrets are redacted; <code>curl -H 'Accept: application/json' .../configz</code> "
      "gives the JSON.</p>\n<pre>";
  out += html_escape(configz_json);
  out += "</pre>\n</body></html>\n";
  return out;
}

}  // namespace pe::host
