// dialin_config.cpp — strict reading of the [dialin] section.
#include "config/dialin_config.hpp"

#include <filesystem>
#include <set>

#include "auth/sha256.hpp"
#include "config/agent_names.hpp"
#include "config/config_document.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host {
namespace {

bool valid_token_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-'))
      return false;
  return true;
}

bool valid_alias_pattern(const std::string& p) {
  if (p == "*") return true;
  if (!p.empty() && p.back() == '*') return dialin::valid_alias(p.substr(0, p.size() - 1));
  return dialin::valid_alias(p);
}

template <class T>
void bounded_integer(TableView& t, std::string_view key, int64_t min, int64_t max, T& out) {
  if (auto v = t.integer(key)) {
    if (*v < min || *v > max)
      t.error(key, "must be from " + std::to_string(min) + " to " + std::to_string(max));
    else
      out = static_cast<T>(*v);
  }
}

// aliases (required, each a valid pattern) and merge, as tokens and clients have them.
bool read_alias_binding(TableView& t, std::vector<std::string>& aliases, bool& merge) {
  bool ok = true;
  if (t.require("aliases")) {
    if (auto v = t.string_array("aliases")) {
      if (v->empty()) {
        t.error("aliases", "must name at least one alias (or \"*\" for any)");
        ok = false;
      }
      for (const std::string& a : *v) {
        if (!valid_alias_pattern(a)) {
          t.error("aliases", pe::quoted(a) +
                                 " is not an alias (1 to 128 of A-Z a-z 0-9 _ . - starting with "
                                 "a letter or digit), a prefix ending in '*', or \"*\"");
          ok = false;
        }
      }
      aliases = *v;
    }
  } else {
    ok = false;
  }
  if (auto v = t.boolean("merge")) merge = *v;
  return ok;
}

std::optional<DialinToken> read_token(TableView t, std::set<std::string>& ids) {
  DialinToken token;
  bool ok = true;
  if (t.require("id")) {
    if (auto v = t.string("id")) {
      if (!valid_token_id(*v)) {
        t.error("id", "must be 1 to 64 of A-Z a-z 0-9 _ - (the part of the token before '.')");
        ok = false;
      } else if (!ids.insert(*v).second) {
        t.error("id", "token id " + pe::quoted(*v) + " is used twice");
        ok = false;
      }
      token.id = *v;
    }
  }
  bool has_hash = false, has_secret = false;
  auto hash = t.secret("secret_sha256", has_hash);
  auto secret = t.secret("secret", has_secret);
  if (has_hash == has_secret) {
    t.error_here(has_hash ? "give secret_sha256 or secret, not both"
                          : "missing the token's secret: secret_sha256 (hex or base64 of "
                            "SHA-256 of the secret; or _file/_env) or secret (or _file/_env)");
    ok = false;
  } else if (has_hash && hash) {
    if (auto digest = decode_sha256_digest(trim(*hash))) {
      token.secret_sha256 = *digest;
    } else {
      t.error("secret_sha256", "must be 64 hex digits or base64 of a SHA-256 digest");
      ok = false;
    }
  } else if (has_secret && secret) {
    if (secret->size() < 16) {
      t.error("secret", "must be at least 16 characters long");
      ok = false;
    }
    token.secret_sha256 = sha256(*secret);
  } else {
    ok = false;  // the secret's own error is recorded
  }
  if (!read_alias_binding(t, token.aliases, token.merge)) ok = false;
  if (!ok) return std::nullopt;
  return token;
}

std::optional<DialinClient> read_client(TableView t, std::set<std::string>& sans) {
  DialinClient client;
  bool ok = true;
  if (t.require("san")) {
    if (auto v = t.string("san")) {
      if (v->empty() || v->size() > 1024) {
        t.error("san", "must be 1 to 1024 bytes: a DNS name, IP address, e-mail or URI SAN");
        ok = false;
      } else if (!sans.insert(*v).second) {
        t.error("san", "client san " + pe::quoted(*v) + " is used twice");
        ok = false;
      }
      client.san = *v;
    }
  } else {
    ok = false;
  }
  if (!read_alias_binding(t, client.aliases, client.merge)) ok = false;
  if (!ok) return std::nullopt;
  return client;
}

}  // namespace

std::optional<DialinConfig> read_dialin_section(TableView top) {
  auto section = top.subtable("dialin");
  if (!section) return std::nullopt;
  TableView& t = *section;
  DialinConfig cfg;
  t.positive_duration("agent_expiry", cfg.agent_expiry);
  t.positive_duration("hello_timeout", cfg.hello_timeout);
  t.positive_duration("scrape_timeout", cfg.scrape_timeout);
  bounded_integer(t, "max_agents", 1, 1000000, cfg.max_agents);
  bounded_integer(t, "max_in_flight", 1, 1024, cfg.max_in_flight);
  bounded_integer(t, "max_message_bytes", 4096, int64_t{1} << 30, cfg.max_message_bytes);
  if (auto v = t.string("sd_target")) {
    if (v->empty() || v->find_first_of(" \t\r\n/\"") != std::string::npos)
      t.error("sd_target", "must be a host:port without spaces, quotes or '/'");
    else
      cfg.sd_target = *v;
  }
  if (auto v = t.string("file_sd_path")) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path parent = fs::path(*v).parent_path();
    if (v->empty() || fs::path(*v).filename().empty())
      t.error("file_sd_path", "must name a file");
    else if (!fs::is_directory(parent.empty() ? fs::path(".") : parent, ec))
      t.error("file_sd_path", "its directory " + pe::quoted(parent.string()) + " does not exist");
    else if (cfg.sd_target.empty())
      t.error("file_sd_path",
              "needs sd_target: the host:port Prometheus reaches this hub by, listed as every "
              "agent's target");
    else
      cfg.file_sd_path = *v;
  }
  std::set<std::string> ids;
  for (TableView& token : t.table_array("token"))
    if (auto parsed = read_token(token, ids)) cfg.tokens.push_back(std::move(*parsed));
  std::set<std::string> sans;
  for (TableView& client : t.table_array("client"))
    if (auto parsed = read_client(client, sans)) cfg.clients.push_back(std::move(*parsed));
  if (!t.has("token") && !t.has("client"))
    t.error_here(
        "a hub needs at least one [[dialin.token]] (id, secret_sha256, aliases) or "
        "[[dialin.client]] (san, aliases)");
  return cfg;
}

bool token_allows_alias(const DialinToken& token, const std::string& alias) {
  for (const std::string& p : token.aliases) {
    if (p == "*") return true;
    if (!p.empty() && p.back() == '*') {
      if (alias.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0) return true;
    } else if (p == alias) {
      return true;
    }
  }
  return false;
}

}  // namespace pe::host
