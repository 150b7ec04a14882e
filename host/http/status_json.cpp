// status_json.cpp — renders a StatusSnapshot as JSON.
#include "http/status_json.hpp"

#include "plugin_exporter/exposition/float_format.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host {
namespace {

// "a,b" → ["a","b"]; "" → [].
std::string names_array(const std::string& csv) {
  std::string out = "[";
  std::size_t start = 0;
  while (start < csv.size()) {
    std::size_t end = csv.find(',', start);
    if (end == std::string::npos) end = csv.size();
    if (out.size() > 1) out += ',';
    out += json_quoted(csv.substr(start, end - start));
    start = end + 1;
  }
  return out + "]";
}

void exporter_json(std::string& out, const StatusSnapshot& s) {
  out += "\"exporter\":{\"version\":" + json_quoted(s.version) +
         ",\"revision\":" + json_quoted(s.revision) + ",\"abi\":" + json_quoted(s.abi) +
         ",\"now_unix_ms\":" + std::to_string(s.now_unix_ms) +
         ",\"started_unix_ms\":" + std::to_string(s.started_unix_ms) + ",\"uptime_seconds\":" +
         format_double(s.started_unix_ms ? (s.now_unix_ms - s.started_unix_ms) / 1000.0 : 0) +
         ",\"config_file\":" + json_quoted(s.config_file) +
         ",\"telemetry_path\":" + json_quoted(s.telemetry_path) + ",\"listeners\":[";
  for (std::size_t i = 0; i < s.listeners.size(); ++i)
    out += (i ? "," : "") + json_quoted(s.listeners[i]);
  out += "],\"last_reload\":";
  const ReloadRecord& r = s.last_reload;
  if (r.unix_ms == 0) {
    out += "null";
  } else {
    out +=
        "{\"unix_ms\":" + std::to_string(r.unix_ms) + ",\"success\":" + (r.ok ? "true" : "false");
    if (r.ok)
      out += ",\"kept\":" + names_array(r.kept) + ",\"stopped\":" + names_array(r.stopped) +
             ",\"started\":" + names_array(r.started);
    out += "}";
  }
  out += "}";
}

void collectors_json(std::string& out, const StatusSnapshot& s) {
  out += "\"collectors\":[";
  bool first = true;
  for (const CollectorStatus& c : s.collectors) {
    const CollectorHealth& h = c.health;
    out += first ? "{" : ",{";
    first = false;
    out += "\"name\":" + json_quoted(c.name) + ",\"plugin\":" + json_quoted(c.plugin) +
           ",\"health\":" + json_quoted(health_word(c)) +
           ",\"quarantine\":" + (c.quarantine.empty() ? "null" : json_quoted(c.quarantine)) +
           ",\"last_collect_unix_ms\":" + std::to_string(h.last_collect_unix_ms) +
           ",\"last_duration_seconds\":" + format_double(h.last_duration_seconds) +
           ",\"samples\":" + std::to_string(h.last_samples) +
           ",\"last_error\":" + json_quoted(h.last_error) +
           ",\"last_error_unix_ms\":" + std::to_string(h.last_error_unix_ms) +
           ",\"scrapes\":{\"ok\":" + std::to_string(h.scrapes_ok) +
           ",\"failed\":" + std::to_string(h.scrapes_failed) + "}" +
           ",\"plugin_calls\":" + std::to_string(c.plugin_calls) +
           ",\"metrics_path\":" + json_quoted(s.telemetry_path + "?collector=" + c.name) +
           ",\"isolation\":" + json_quoted(c.isolation) + "}";
  }
  out += "]";
}

void plugin_documents_json(std::string& out, const StatusSnapshot& s) {
  out += "\"push\":[";
  for (std::size_t i = 0; i < s.plugin_documents.size(); ++i) {
    const PluginStatusDocument& d = s.plugin_documents[i];
    out += (i ? ",{" : "{");
    out += "\"collector\":" + json_quoted(d.collector) + ",\"plugin\":" + json_quoted(d.plugin) +
           ",\"path\":" + json_quoted(d.path) +
           ",\"status\":" + (d.document ? d.document->dump() : std::string("null")) +
           ",\"error\":" + json_quoted(d.error) + "}";
  }
  out += "]";
}

void remote_write_json(std::string& out, const StatusSnapshot& s) {
  out += "\"remote_write\":[";
  for (std::size_t i = 0; i < s.remote_writes.size(); ++i) {
    const RemoteWriteStatus& r = s.remote_writes[i];
    out += (i ? ",{" : "{");
    out += "\"name\":" + json_quoted(r.name) + ",\"url\":" + json_quoted(r.url) +
           ",\"protocol\":" + std::to_string(r.protocol) +
           ",\"queue_bytes\":" + std::to_string(r.queue_bytes) +
           ",\"oldest_unsent_unix_ms\":" + std::to_string(r.oldest_unsent_unix_ms) +
           ",\"oldest_unsent_age_seconds\":" +
           format_double(
               r.oldest_unsent_unix_ms ? (s.now_unix_ms - r.oldest_unsent_unix_ms) / 1000.0 : 0) +
           ",\"samples_sent\":" + std::to_string(r.samples_sent) +
           ",\"samples_failed\":" + std::to_string(r.samples_failed) +
           ",\"samples_dropped\":" + std::to_string(r.samples_dropped) +
           ",\"last_error\":" + json_quoted(r.last_error) +
           ",\"last_error_unix_ms\":" + std::to_string(r.last_error_unix_ms) + "}";
  }
  out += "]";
}

// null when this process is no hub ([dialin] not configured).
void agents_json(std::string& out, const StatusSnapshot& s) {
  out += "\"agents\":";
  if (!s.agents) {
    out += "null";
    return;
  }
  out += "[";
  bool first = true;
  for (const AgentStatus& a : *s.agents) {
    out += first ? "{" : ",{";
    first = false;
    out += "\"alias\":" + json_quoted(a.alias) + ",\"hostname\":" + json_quoted(a.hostname) +
           ",\"service\":" + json_quoted(a.service) + ",\"labels\":{";
    for (std::size_t i = 0; i < a.labels.size(); ++i)
      out +=
          (i ? "," : "") + json_quoted(a.labels[i].first) + ":" + json_quoted(a.labels[i].second);
    out += std::string("},\"state\":") + (a.connected ? "\"connected\"" : "\"disconnected\"") +
           ",\"connected_since_unix_ms\":" + std::to_string(a.connected ? a.last_seen_unix_ms : 0) +
           ",\"last_seen_unix_ms\":" +
           std::to_string(a.connected ? s.now_unix_ms : a.last_seen_unix_ms) +
           ",\"last_scrape_unix_ms\":" + std::to_string(a.last_scrape_unix_ms) +
           ",\"last_scrape_status\":" + std::to_string(a.last_scrape_status) +
           ",\"last_scrape_error\":" + json_quoted(a.last_scrape_error) +
           ",\"scrapes\":{\"ok\":" + std::to_string(a.scrapes_ok) +
           ",\"failed\":" + std::to_string(a.scrapes_failed) + "}" +
           ",\"metrics_path\":" + json_quoted("/agents/" + a.alias + "/metrics") + "}";
  }
  out += "]";
}

// null when this process is no agent ([agent] not configured).
void hubs_json(std::string& out, const StatusSnapshot& s) {
  out += "\"hubs\":";
  if (!s.hubs) {
    out += "null";
    return;
  }
  out += "[";
  for (std::size_t i = 0; i < s.hubs->size(); ++i) {
    const HubLinkStatus& h = (*s.hubs)[i];
    out += (i ? ",{" : "{");
    out += "\"url\":" + json_quoted(h.url) +
           ",\"state\":" + (h.connected ? "\"connected\"" : "\"disconnected\"") +
           ",\"since_unix_ms\":" + std::to_string(h.since_unix_ms) +
           ",\"last_error\":" + json_quoted(h.last_error) + "}";
  }
  out += "]";
}

}  // namespace

std::string status_json(const StatusSnapshot& s) {
  std::string out = "{";
  exporter_json(out, s);
  out += ",";
  collectors_json(out, s);
  out += ",";
  plugin_documents_json(out, s);
  out += ",";
  remote_write_json(out, s);
  out += ",";
  agents_json(out, s);
  out += ",";
  hubs_json(out, s);
  out += ",\"not_available\":{}}\n";
  return out;
}

}  // namespace pe::host
