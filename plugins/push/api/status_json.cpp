// status_json.cpp — JSON rendering of push groups.
#include "api/status_json.hpp"

#include <cstdio>
#include <ctime>
#include <map>

#include "plugin_exporter/exposition/float_format.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::push {
namespace {

// RFC 3339 with milliseconds, UTC.
std::string rfc3339(int64_t ms) {
  if (ms <= 0) return "\"1970-01-01T00:00:00Z\"";
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string_view go_type_name(MetricType t) {
  switch (t) {
    case MetricType::counter:
      return "COUNTER";
    case MetricType::gauge:
      return "GAUGE";
    case MetricType::summary:
      return "SUMMARY";
    case MetricType::histogram:
      return "HISTOGRAM";
    case MetricType::gaugehistogram:
      return "GAUGE_HISTOGRAM";
    case MetricType::info:
      return "INFO";
    case MetricType::stateset:
      return "STATESET";
    case MetricType::unknown:
      break;
  }
  return "UNTYPED";
}

void labels_object(std::string& out, const GroupState& g, const StoredFamily& f,
                   const StoredFamily::Series& s, std::string_view skip) {
  std::map<std::string_view, std::string_view> labels;
  for (const auto& [k, v] : g.key->labels) labels[k] = v;
  for (const auto& l : f.labels_of(s))
    if (f.str(l.name) != skip) labels[f.str(l.name)] = f.str(l.value);
  if (!labels.count("instance")) labels["instance"] = "";
  out += "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    first = false;
    out += json_quoted(k) + ":" + json_quoted(v);
  }
  out += "}";
}

// One family's "metrics" array: histograms and summaries grouped per
// label set like pushgateway shows them, everything else one entry a series.
void metrics_array(std::string& out, const GroupState& g, const StoredFamily& f) {
  out += "[";
  const bool grouped = f.type() == MetricType::histogram || f.type() == MetricType::summary ||
                       f.type() == MetricType::gaugehistogram;
  if (!grouped) {
    bool first = true;
    for (const auto& s : f.series()) {
      if (!first) out += ",";
      first = false;
      out += "{\"labels\":";
      labels_object(out, g, f, s, {});
      out += ",\"value\":" + json_quoted(format_double(s.value)) + "}";
    }
    out += "]";
    return;
  }
  struct Entry {
    std::string labels;
    std::vector<std::pair<std::string, std::string>> points;  // le/quantile → value
    std::string sum = "0", count = "0";
  };
  std::map<std::string, Entry> entries;
  std::vector<std::string> order;
  const std::string_view point_label = f.type() == MetricType::summary ? "quantile" : "le";
  for (const auto& s : f.series()) {
    std::string key;
    labels_object(key, g, f, s, point_label);
    auto [it, inserted] = entries.try_emplace(key);
    if (inserted) {
      order.push_back(key);
      it->second.labels = key;
    }
    std::string_view name = f.str(s.name);
    std::string_view suffix = name.substr(std::min(name.size(), f.name().size()));
    if (suffix == "_sum" || suffix == "_gsum")
      it->second.sum = format_double(s.value);
    else if (suffix == "_count" || suffix == "_gcount")
      it->second.count = format_double(s.value);
    else if (suffix == "_bucket" || suffix.empty()) {
      for (const auto& l : f.labels_of(s))
        if (f.str(l.name) == point_label)
          it->second.points.emplace_back(f.str(l.value), format_double(s.value));
    }
  }
  bool first = true;
  for (const std::string& k : order) {
    const Entry& e = entries[k];
    if (!first) out += ",";
    first = false;
    out += "{\"labels\":" + e.labels + ",\"" +
           std::string(f.type() == MetricType::summary ? "quantiles" : "buckets") + "\":{";
    for (std::size_t i = 0; i < e.points.size(); ++i) {
      if (i) out += ",";
      out += json_quoted(e.points[i].first) + ":" + json_quoted(e.points[i].second);
    }
    out += "},\"count\":" + json_quoted(e.count) + ",\"sum\":" + json_quoted(e.sum) + "}";
  }
  out += "]";
}

void timestamp_family(std::string& out, const GroupState& g, std::string_view name,
                      std::string_view help, int64_t ms) {
  out += "," + json_quoted(name) + ":{\"time_stamp\":" + rfc3339(g.push_time_ms) +
         ",\"type\":\"GAUGE\",\"help\":" + json_quoted(help) + ",\"metrics\":[{\"labels\":{";
  bool first = true;
  bool instance = false;
  for (const auto& [k, v] : g.key->labels) {
    if (!first) out += ",";
    first = false;
    if (k == "instance") instance = true;
    out += json_quoted(k) + ":" + json_quoted(v);
  }
  if (!instance) out += std::string(first ? "" : ",") + "\"instance\":\"\"";
  out += "},\"value\":" + json_quoted(format_double(static_cast<double>(ms) / 1000.0)) + "}]}";
}

}  // namespace

std::string groups_json(const std::vector<GroupPtr>& groups) {
  std::string out = "{\"status\":\"success\",\"data\":[";
  bool first_group = true;
  for (const GroupPtr& gp : groups) {
    const GroupState& g = *gp;
    if (!first_group) out += ",";
    first_group = false;
    out += "{\"labels\":{";
    for (std::size_t i = 0; i < g.key->labels.size(); ++i) {
      if (i) out += ",";
      out += json_quoted(g.key->labels[i].first) + ":" + json_quoted(g.key->labels[i].second);
    }
    out += "},\"last_push_successful\":";
    out += g.failure_time_ms <= g.push_time_ms ? "true" : "false";
    out += ",\"aggregate\":";
    out += g.aggregate ? "true" : "false";
    out += ",\"ttl_seconds\":" + format_double(static_cast<double>(g.ttl_ms) / 1000.0);
    out += ",\"expires_at\":" + (g.ttl_ms > 0 ? rfc3339(g.expires_at_ms()) : std::string("null"));
    for (const FamilyPtr& f : g.families) {
      out += "," + json_quoted(f->name()) + ":{\"time_stamp\":" + rfc3339(g.push_time_ms) +
             ",\"type\":\"" + std::string(go_type_name(f->type())) + "\"";
      if (!f->help().empty()) out += ",\"help\":" + json_quoted(f->help());
      out += ",\"metrics\":";
      metrics_array(out, g, *f);
      out += "}";
    }
    timestamp_family(out, g, "push_time_seconds",
                     "Last Unix time when changing this group in the Pushgateway succeeded.",
                     g.push_time_ms);
    timestamp_family(out, g, "push_failure_time_seconds",
                     "Last Unix time when changing this group in the Pushgateway failed.",
                     g.failure_time_ms);
    out += "}";
  }
  out += "]}";
  return out;
}

}  // namespace pe::push
