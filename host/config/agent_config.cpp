// agent_config.cpp — strict reading of the [agent] section.
#include "config/agent_config.hpp"

#include <unistd.h>

#include <algorithm>
#include <set>

#include "auth/sha256.hpp"
#include "auth/tls_client_identity.hpp"
#include "config/agent_names.hpp"
#include "config/config_document.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host {
namespace {

// "wss://host[:port]/path" (or ws://); the default port is 443 (80).
std::optional<AgentHub> parse_hub_url(const std::string& url, std::string& why) {
  AgentHub hub;
  hub.url = url;
  std::string rest;
  if (url.rfind("wss://", 0) == 0) {
    rest = url.substr(6);
  } else if (url.rfind("ws://", 0) == 0) {
    hub.tls = false;
    rest = url.substr(5);
  } else {
    why = "must be a wss:// URL (or ws:// without TLS)";
    return std::nullopt;
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  hub.path = slash == std::string::npos ? "/agents/connect" : rest.substr(slash);
  std::string host = authority, port = hub.tls ? "443" : "80";
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) {
      why = "has an unterminated [IPv6 address]";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        why = "has something after the ] that is not :port";
        return std::nullopt;
      }
      port = authority.substr(close + 2);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host.find_first_of(" \t@") != std::string::npos) {
    why = "has no usable host";
    return std::nullopt;
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) == 0 ||
      std::stoul(port) > 65535) {
    why = "has a port that is not a number from 1 to 65535";
    return std::nullopt;
  }
  if (hub.path.find_first_of(" \t\r\n#") != std::string::npos) {
    why = "has a path with whitespace or a fragment";
    return std::nullopt;
  }
  hub.host = host;
  hub.port = port;
  return hub;
}

// cert_file and key_file: both or neither, loadable, and only for wss:// hubs.
void read_client_certificate(TableView& t, AgentConfig& cfg) {
  const auto cert = t.string("cert_file");
  const auto key = t.string("key_file");
  if (!cert && !key) return;
  if (!cert || !key) {
    t.error(cert ? "cert_file" : "key_file", "cert_file and key_file go together");
    return;
  }
  if (std::string problem = client_certificate_problem(*cert, *key); !problem.empty()) {
    t.error("cert_file", problem);
    return;
  }
  for (const AgentHub& hub : cfg.hubs)
    if (!hub.tls)
      t.error("cert_file",
              "a client certificate needs wss:// hubs; " + quoted(hub.url) + " is ws:// (no TLS)");
  cfg.cert_file = *cert;
  cfg.key_file = *key;
}

}  // namespace

bool same_session_settings(const AgentConfig& a, const AgentConfig& b) {
  return a.token == b.token && a.cert_file == b.cert_file && a.key_file == b.key_file &&
         a.alias == b.alias && a.hostname == b.hostname && a.service == b.service &&
         a.labels == b.labels && a.hub_ca_file == b.hub_ca_file && a.hub_pin == b.hub_pin &&
         a.ping_interval == b.ping_interval && a.min_backoff == b.min_backoff &&
         a.max_backoff == b.max_backoff;
}

std::optional<AgentConfig> read_agent_section(TableView top) {
  auto section = top.subtable("agent");
  if (!section) return std::nullopt;
  TableView& t = *section;
  AgentConfig cfg;
  if (t.require("hubs")) {
    if (auto urls = t.string_array("hubs")) {
      if (urls->empty()) t.error("hubs", "must name at least one hub URL");
      std::set<std::string> seen;
      for (const std::string& u : *urls) {
        std::string why;
        if (!seen.insert(u).second)
          t.error("hubs", "hub URL " + quoted(u) + " is listed twice");
        else if (auto hub = parse_hub_url(u, why))
          cfg.hubs.push_back(std::move(*hub));
        else
          t.error("hubs", "hub URL " + quoted(u) + " " + why);
      }
    }
  }
  read_client_certificate(t, cfg);
  bool found = false;
  if (auto token = t.secret("token", found)) {
    auto dot = token->find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == token->size())
      t.error("token", "must be <id>.<secret>, as the hub's [[dialin.token]] gives");
    cfg.token = *token;
  } else if (!found && cfg.cert_file.empty() && !t.has("cert_file")) {
    t.error_here(
        "missing the agent's token: token, token_file or token_env (<id>.<secret>), or a client "
        "certificate (cert_file and key_file)");
  }
  if (t.require("alias")) {
    if (auto v = t.string("alias")) {
      if (!dialin::valid_alias(*v))
        t.error("alias", "must be 1 to 128 of A-Z a-z 0-9 _ . - starting with a letter or digit");
      cfg.alias = *v;
    }
  }
  if (auto v = t.string("hostname")) {
    cfg.hostname = *v;
  } else {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0) cfg.hostname = name;
  }
  if (auto v = t.string("service")) cfg.service = *v;
  if (auto labels = t.string_map("labels")) {
    if (labels->size() > 64) t.error("labels", "at most 64 labels");
    for (const auto& [name, value] : *labels)
      if (!dialin::valid_agent_label_name(name))
        t.error("labels", "label name " + quoted(name) +
                              " is not a Prometheus label name or is reserved (__*, instance, "
                              "hostname, service, job)");
    cfg.labels = *labels;
    std::sort(cfg.labels.begin(), cfg.labels.end());
  }
  if (auto v = t.string("hub_ca_file")) cfg.hub_ca_file = *v;
  if (auto v = t.string("hub_pin")) {
    std::optional<std::string> digest;
    if (v->rfind("sha256:", 0) == 0) digest = decode_sha256_digest(v->substr(7));
    if (!digest)
      t.error("hub_pin",
              "must be \"sha256:\" and 64 hex digits or base64 of the SHA-256 of the hub's "
              "SubjectPublicKeyInfo");
    else
      cfg.hub_pin = *digest;
  }
  if (!cfg.hub_pin.empty() && !cfg.hub_ca_file.empty())
    t.error("hub_pin", "give hub_pin or hub_ca_file, not both");
  t.positive_duration("ping_interval", cfg.ping_interval);
  t.positive_duration("min_backoff", cfg.min_backoff);
  t.positive_duration("max_backoff", cfg.max_backoff);
  if (cfg.min_backoff > cfg.max_backoff) t.error("min_backoff", "must not exceed max_backoff");
  return cfg;
}

}  // namespace pe::host
