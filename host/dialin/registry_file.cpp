// registry_file.cpp — encoding and strict decoding of the hub's registry file.
#include "dialin/registry_file.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

#include "dialin/json_object_reader.hpp"
#include "http/json_value.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host::dialin {
namespace {

constexpr std::size_t kMaxAgents = 1000000;  // [dialin] max_agents' upper bound
// 2100-01-01: later times overflow system_clock's nanoseconds (found by fuzzing).
constexpr double kMaxSeconds = 4102444800;

std::string seconds_text(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000 < 0 ? -(ms % 1000) : ms % 1000));
  return buf;
}

std::optional<AgentEntry> decode_agent(const JsonValue& v, const FrameLimits& limits,
                                       std::string& error) {
  if (v.kind != JsonValue::Kind::object) {
    error = "an agent must be an object";
    return std::nullopt;
  }
  ObjectReader r(v, limits, error);
  AgentEntry e;
  e.alias = r.string("alias", true);
  e.token_id = r.string("token_id", true, 1029);  // "cert:" + a SAN of up to 1024
  e.hostname = r.string("hostname", false);
  e.service = r.string("service", false);
  e.labels = r.string_map("labels", limits.max_labels);
  e.connected = r.boolean("connected");
  auto seen = r.number("last_seen", 0, kMaxSeconds);
  if (!r.ok()) return std::nullopt;
  if (!valid_alias(e.alias)) {
    error = "alias " + quoted(e.alias) + " is not an alias";
    return std::nullopt;
  }
  if (e.token_id.empty()) {
    error = "agent " + e.alias + ": token_id is empty";
    return std::nullopt;
  }
  for (const auto& [name, value] : e.labels) {
    if (!valid_agent_label_name(name)) {
      error = "agent " + e.alias + ": label name " + quoted(name) + " is not allowed";
      return std::nullopt;
    }
  }
  // Whole milliseconds, as written (a double's seconds would truncate).
  e.last_seen =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(std::llround(*seen * 1000)));
  return e;
}

}  // namespace

std::string encode_registry_file(const std::vector<AgentEntry>& agents) {
  std::string out = "{\"version\":" + std::to_string(kRegistryFileVersion) + ",\"agents\":[";
  bool first = true;
  for (const AgentEntry& a : agents) {
    out += first ? "\n" : ",\n";
    first = false;
    out += "{\"alias\":" + json_quoted(a.alias);
    out += ",\"token_id\":" + json_quoted(a.token_id);
    out += ",\"hostname\":" + json_quoted(a.hostname);
    out += ",\"service\":" + json_quoted(a.service);
    out += ",\"labels\":{";
    for (std::size_t i = 0; i < a.labels.size(); ++i)
      out +=
          (i ? "," : "") + json_quoted(a.labels[i].first) + ":" + json_quoted(a.labels[i].second);
    out += "},\"connected\":";
    out += a.connected ? "true" : "false";
    out += ",\"last_seen\":" + seconds_text(a.last_seen) + "}";
  }
  out += "]}\n";
  return out;
}

std::optional<std::vector<AgentEntry>> decode_registry_file(std::string_view text,
                                                            std::string& error) {
  JsonLimits json_limits;
  json_limits.max_depth = 8;
  json_limits.max_bytes = std::size_t{1} << 30;
  auto doc = parse_json(text, error, json_limits);
  if (!doc) return std::nullopt;
  if (doc->kind != JsonValue::Kind::object) {
    error = "not a JSON object";
    return std::nullopt;
  }
  const FrameLimits limits;
  ObjectReader r(*doc, limits, error);
  auto version = r.integer("version", 1, 1000);
  if (!r.ok()) return std::nullopt;
  if (*version != kRegistryFileVersion) {
    error = "registry file version " + std::to_string(*version) + " is not supported (" +
            std::to_string(kRegistryFileVersion) + ")";
    return std::nullopt;
  }
  const JsonValue* agents = doc->find("agents");
  if (!agents || agents->kind != JsonValue::Kind::array) {
    error = "agents must be an array";
    return std::nullopt;
  }
  if (agents->items.size() > kMaxAgents) {
    error = "more than " + std::to_string(kMaxAgents) + " agents";
    return std::nullopt;
  }
  std::vector<AgentEntry> out;
  out.reserve(agents->items.size());
  std::set<std::string_view> seen;
  for (const JsonValue& item : agents->items) {
    auto e = decode_agent(item, limits, error);
    if (!e) return std::nullopt;
    out.push_back(std::move(*e));
  }
  for (const AgentEntry& e : out) {
    if (!seen.insert(e.alias).second) {
      error = "alias " + e.alias + " is listed twice";
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace pe::host::dialin
