// config_loader.cpp — plugin_exporter.toml → ExporterConfig, strictly.
#include "config/config_loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "auth/bcrypt_verifier.hpp"
#include "auth/cidr_allowlist.hpp"
#include "auth/tls_server_context.hpp"
#include "config/config_document.hpp"
#include "config/listen_address.hpp"
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

// Prometheus exporter-toolkit spellings of the TLS client policies.
constexpr std::string_view kClientAuthTypes[] = {"NoClientCert", "RequestClientCert",
                                                 "RequireAnyClientCert", "VerifyClientCertIfGiven",
                                                 "RequireAndVerifyClientCert"};
constexpr std::string_view kTlsVersions[] = {"TLS10", "TLS11", "TLS12", "TLS13"};

// Whether the policy verifies the client certificates it is given.
bool verifies_client_certificates(const TlsConfig& tls) {
  return tls.client_auth == "VerifyClientCertIfGiven" ||
         tls.client_auth == "RequireAndVerifyClientCert";
}

TlsConfig read_tls(TableView t) {
  TlsConfig tls;
  if (t.require("cert_file")) tls.cert_file = t.string("cert_file").value_or("");
  if (t.require("key_file")) tls.key_file = t.string("key_file").value_or("");
  if (auto v = t.string("client_ca_file")) tls.client_ca_file = *v;
  if (auto v = t.string("client_auth_type")) {
    bool known = false;
    for (auto k : kClientAuthTypes) known |= *v == k;
    if (!known)
      t.error("client_auth_type", "unknown client_auth_type \"" + *v +
                                      "\" (NoClientCert, RequestClientCert, RequireAnyClientCert, "
                                      "VerifyClientCertIfGiven, RequireAndVerifyClientCert)");
    tls.client_auth = *v;
  }
  if (auto v = t.string_array("client_allowed_sans")) tls.client_allowed_sans = *v;
  for (auto [key, out] :
       {std::pair{"min_version", &tls.min_version}, std::pair{"max_version", &tls.max_version}}) {
    if (auto v = t.string(key)) {
      bool known = false;
      for (auto k : kTlsVersions) known |= *v == k;
      if (!known) t.error(key, "unknown TLS version \"" + *v + "\" (TLS10, TLS11, TLS12, TLS13)");
      *out = *v;
    }
  }
  if (auto v = t.string_array("cipher_suites")) tls.cipher_suites = *v;
  if (auto v = t.string_array("curve_preferences")) tls.curve_preferences = *v;
  const bool verifies = verifies_client_certificates(tls);
  if (verifies && tls.client_ca_file.empty())
    t.error_here("client_auth_type " + tls.client_auth + " needs client_ca_file");
  if (!verifies && !tls.client_ca_file.empty() && t.has("client_ca_file"))
    t.error("client_ca_file",
            "client_ca_file is set but client_auth_type " + tls.client_auth +
                " does not verify client certificates (use VerifyClientCertIfGiven or "
                "RequireAndVerifyClientCert)");
  if (!tls.client_allowed_sans.empty() && !verifies)
    t.error("client_allowed_sans", "client_allowed_sans needs a client_auth_type that verifies");
  return tls;
}

// Whether some listener verifies client certificates (names an identity).
bool verifies_client_certificates(const WebConfig& web) {
  return std::any_of(web.listeners.begin(), web.listeners.end(), [](const ListenerConfig& l) {
    return l.tls && verifies_client_certificates(*l.tls);
  });
}

ListenerConfig read_listener(TableView t) {
  ListenerConfig l;
  if (t.require("address")) {
    if (auto v = t.string("address")) {
      l.address = *v;
      if (auto problem = listen_address_problem(*v)) t.error("address", *problem);
    }
  }
  if (auto tls = t.subtable("tls")) {
    const std::size_t errors_before = t.doc().errors().size();
    l.tls = read_tls(*tls);
    // Files, key/certificate match, ciphers and curves, as the server will use them.
    if (t.doc().errors().size() == errors_before) {
      std::string problem = TlsServerContext::check(*l.tls);
      if (!problem.empty()) tls->error_here(problem);
    }
  }
  if (auto v = t.string_array("allow_cidrs")) {
    std::string error;
    if (!CidrAllowlist::parse(*v, error)) t.error("allow_cidrs", error);
    l.allow_cidrs = *v;
  }
  if (auto v = t.string_array("serve")) {
    l.serve = 0;
    for (const std::string& g : *v) {
      if (g == "health")
        l.serve |= static_cast<uint8_t>(EndpointGroup::health);
      else if (g == "metrics")
        l.serve |= static_cast<uint8_t>(EndpointGroup::metrics);
      else if (g == "plugins")
        l.serve |= static_cast<uint8_t>(EndpointGroup::plugins);
      else if (g == "admin")
        l.serve |= static_cast<uint8_t>(EndpointGroup::admin);
      else if (g == "all")
        l.serve = 0xff;
      else
        t.error("serve",
                "unknown endpoint group \"" + g + "\" (health, metrics, plugins, admin, all)");
    }
    if (l.serve == 0 && v->empty()) t.error("serve", "serves nothing");
  }
  if (auto v = t.integer("max_connections")) {
    if (*v < 0 || *v > 1000000)
      t.error("max_connections", "must be between 0 (no cap of its own) and 1000000");
    else
      l.max_connections = static_cast<uint32_t>(*v);
  }
  return l;
}

void read_web(TableView t, WebConfig& web, bool& explicit_addresses) {
  if (auto v = t.string_array("listen_addresses")) {
    web.listen_addresses = *v;
    explicit_addresses = true;
  }
  for (TableView& l : t.table_array("listener")) web.listeners.push_back(read_listener(l));
  if (auto v = t.string("telemetry_path")) {
    if (v->empty() || (*v)[0] != '/')
      t.error("telemetry_path", "must start with '/'");
    else
      web.telemetry_path = *v;
  }
  auto positive = [&](std::string_view key, int& out, int max) {
    if (auto v = t.integer(key)) {
      if (*v < 1 || *v > max)
        t.error(key, "must be between 1 and " + std::to_string(max));
      else
        out = static_cast<int>(*v);
    }
  };
  positive("max_concurrent_scrapes", web.max_concurrent_scrapes, 100000);
  positive("http_threads", web.http_threads, 4096);
  positive("http_queue", web.http_queue, 100000);
  positive("io_threads", web.io_threads, 64);
  auto count = [&](std::string_view key, uint32_t& out, int64_t min, int64_t max) {
    if (auto v = t.integer(key)) {
      if (*v < min || *v > max)
        t.error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      else
        out = static_cast<uint32_t>(*v);
    }
  };
  count("max_connections", web.max_connections, 1, 1000000);
  count("max_connections_per_client", web.max_connections_per_client, 0, 1000000);
  count("max_header_bytes", web.max_header_bytes, 1024, 1 << 24);
  auto duration = [&](std::string_view key, Duration& out, bool allow_zero) {
    if (auto v = t.duration(key)) {
      if (*v < Duration::zero() || (!allow_zero && *v == Duration::zero()))
        t.error(key, allow_zero ? "must not be negative" : "must be positive");
      else
        out = *v;
    }
  };
  duration("scrape_timeout_offset", web.scrape_timeout_offset, true);
  duration("read_timeout", web.read_timeout, false);
  duration("header_timeout", web.header_timeout, false);
  duration("body_timeout", web.body_timeout, false);
  duration("write_timeout", web.write_timeout, false);
  duration("keep_alive_timeout", web.keep_alive_timeout, false);
  duration("shutdown_grace", web.shutdown_grace, true);
  if (auto v = t.integer("max_body_bytes")) {
    if (*v < 1) {
      t.error("max_body_bytes", "must be positive");
    } else {
      web.max_body_bytes = static_cast<uint64_t>(*v);
      web.max_body_bytes_explicit = true;
    }
  }
  if (auto v = t.string_map("headers")) {
    for (auto& [name, value] : *v) {
      bool ok = !name.empty() && name.find_first_of(" :\r\n\t") == std::string::npos &&
                value.find_first_of("\r\n") == std::string::npos;
      if (!ok) t.error("headers", "invalid header \"" + name + "\"");
    }
    web.headers = *v;
  }
}

RoleSet read_roles(TableView t) {
  RoleSet roles;
  if (!t.require("roles")) return roles;
  if (auto v = t.string_array("roles")) {
    for (const std::string& r : *v) {
      if (auto role = role_from_string(r))
        roles = roles.with(*role);
      else
        t.error("roles", "unknown role \"" + r + "\" (scrape, push, admin)");
    }
    if (v->empty()) t.error("roles", "needs at least one role");
  }
  return roles;
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
  // Shorthand: tokens with every role.
  std::vector<std::string> all_role_tokens;
  if (auto v = t.string_array("bearer_tokens")) {  // inline: redacted by key name
    all_role_tokens = *v;
  }
  if (auto files = t.string_array("bearer_token_files")) {
    for (const std::string& f : *files) read_tokens_file(t, f, all_role_tokens);
  }
  if (auto vars = t.string_array("bearer_token_env")) {
    for (const std::string& var : *vars) {
      const char* value = std::getenv(var.c_str());
      if (!value || !*value)
        t.error("bearer_token_env", "environment variable " + var + " is not set");
      else
        all_role_tokens.emplace_back(value);
    }
  }
  for (std::size_t i = 0; i < all_role_tokens.size(); ++i)
    auth.tokens.push_back(
        TokenIdentity{"bearer#" + std::to_string(i + 1), all_role_tokens[i], RoleSet::all()});
  std::set<std::string> names;
  for (TableView& tt : t.table_array("token")) {
    TokenIdentity id;
    if (tt.require("name")) id.name = tt.string("name").value_or("");
    if (!id.name.empty() && !names.insert("token:" + id.name).second)
      tt.error("name", "duplicate token name \"" + id.name + "\"");
    bool found = false;
    if (auto secret = tt.secret("token", found)) id.token = *secret;
    if (!found) tt.error_here("needs token, token_file or token_env");
    id.roles = read_roles(tt);
    auth.tokens.push_back(std::move(id));
  }
  for (const TokenIdentity& tok : auth.tokens) {
    if (!tok.token.empty() && tok.token.size() < 16) {
      t.error_here("token " + tok.name + " is shorter than 16 characters; use a long random token");
      break;
    }
  }
  for (TableView& ut : t.table_array("user")) {
    UserIdentity id;
    if (ut.require("name")) id.name = ut.string("name").value_or("");
    if (id.name.find(':') != std::string::npos) ut.error("name", "a user name cannot contain ':'");
    if (!id.name.empty() && !names.insert("user:" + id.name).second)
      ut.error("name", "duplicate user \"" + id.name + "\"");
    bool found = false;
    if (auto hash = ut.secret("password_hash", found)) {
      id.password_hash = *hash;
      if (!BcryptVerifier::valid_hash(id.password_hash))
        ut.error(ut.has("password_hash") ? "password_hash" : "password_hash_file",
                 "not a bcrypt hash (use: htpasswd -nBC 10 \"\" | tr -d ':\\n')");
    }
    if (!found) ut.error_here("needs password_hash, password_hash_file or password_hash_env");
    id.roles = read_roles(ut);
    auth.users.push_back(std::move(id));
  }
  for (TableView& ct : t.table_array("client_cert")) {
    CertificateIdentity id;
    if (ct.require("san")) id.san = ct.string("san").value_or("");
    id.roles = read_roles(ct);
    auth.certificates.push_back(std::move(id));
  }
  if (auto v = t.boolean("open_health_endpoints")) auth.open_health_endpoints = *v;
  if (auto rl = t.subtable("rate_limit")) {
    if (rl->require("requests_per_second")) {
      if (auto v = rl->number("requests_per_second")) {
        if (*v <= 0) rl->error("requests_per_second", "must be positive");
        auth.rate_limit = *v;
      }
    }
    auth.rate_limit_burst = std::max(1.0, auth.rate_limit);
    if (auto v = rl->number("burst")) {
      if (*v < 1) rl->error("burst", "must be at least 1");
      auth.rate_limit_burst = *v;
    }
  }
}

std::vector<RelabelRule> read_relabel(TableView parent, std::string_view key) {
  std::vector<RelabelRule> rules;
  std::vector<TableView> tables = parent.table_array(key);
  const std::size_t errors_before = parent.doc().errors().size();
  for (TableView& r : tables) {
    RelabelRule rule;
    if (auto a = r.string("action")) {
      auto act = relabel_action_from_string(*a);
      if (!act)
        r.error("action", "unknown relabel action \"" + *a +
                              "\" (replace, keep, drop, labelmap, labeldrop, labelkeep, "
                              "hashmod, lowercase, uppercase, keepequal, dropequal)");
      else
        rule.action = *act;
    }
    if (auto v = r.string_array("source_labels")) rule.source_labels = *v;
    if (auto v = r.string("separator")) rule.separator = *v;
    if (auto v = r.string("regex")) rule.regex = *v;
    if (auto v = r.string("target_label")) rule.target_label = *v;
    if (auto v = r.string("replacement")) rule.replacement = *v;
    if (auto v = r.integer("modulus")) {
      if (*v < 0)
        r.error("modulus", "must not be negative");
      else
        rule.modulus = static_cast<uint64_t>(*v);
    }
    rules.push_back(std::move(rule));
  }
  // Semantic checks (regex, required fields) once every field read cleanly.
  if (!rules.empty() && parent.doc().errors().size() == errors_before) {
    std::string error;
    std::size_t bad = 0;
    if (!RelabelProgram::compile(rules, error, bad)) {
      // The key path already names the rule: drop the compiler's "relabel rule N (...): ".
      if (auto colon = error.find("): ");
          error.rfind("relabel rule ", 0) == 0 && colon != std::string::npos)
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
    if (p.is_relative() && !config_file.empty()) p = fs::path(config_file).parent_path() / p;
    return p.lexically_normal().string();
  }
  return (fs::path(plugin_dir) / (plugin + ".so")).string();
}

// Names under state_dir that the exporter itself uses; a collector's own
// directory is <state_dir>/<name>, so these names would share them.
bool is_reserved_state_name(std::string_view name) {
  return name == "dialin" || name == "remote_write" || name == "quarantine" ||
         name == "crash-record";
}

// `key` as one of two words: false for `no`, true for `yes`; nullopt (and an
// error when present) otherwise.
std::optional<bool> read_either(const TableView& t, std::string_view key, std::string_view no,
                                std::string_view yes) {
  auto v = t.string(key);
  if (!v) return std::nullopt;
  if (*v == yes) return true;
  if (*v == no) return false;
  t.error(key,
          "is \"" + std::string(no) + "\" or \"" + std::string(yes) + "\", not \"" + *v + "\"");
  return std::nullopt;
}

// isolation: "in_process" (false) or "process" (true).
std::optional<bool> read_isolation(const TableView& t) {
  return read_either(t, "isolation", "in_process", "process");
}

// on_crash: "quarantine" (false) or "isolate" (true).
std::optional<bool> read_on_crash(const TableView& t) {
  return read_either(t, "on_crash", "quarantine", "isolate");
}

// [defaults]: what every collector gets unless it says otherwise.
void read_defaults(const TableView& defaults, ExporterConfig& cfg) {
  cfg.default_isolated = read_isolation(defaults).value_or(false);
  cfg.default_isolate_on_crash = read_on_crash(defaults).value_or(false);
}

// A byte size: an integer, or a string with a unit ("512MiB", "1GB", "64k").
std::optional<uint64_t> read_byte_size(const TableView& t, std::string_view key) {
  const toml::node* n = t.node(key);
  if (!n) return std::nullopt;
  if (n->is_integer()) {
    auto v = t.integer(key);
    if (v && *v >= 0) return static_cast<uint64_t>(*v);
    if (v) t.error(key, "must not be negative");
    return std::nullopt;
  }
  auto s = t.string(key);
  if (!s) return std::nullopt;
  std::size_t digits = 0;
  while (digits < s->size() && (*s)[digits] >= '0' && (*s)[digits] <= '9') ++digits;
  std::string unit = s->substr(digits);
  static const std::pair<const char*, uint64_t> kUnits[] = {{"", 1},
                                                            {"B", 1},
                                                            {"k", 1000},
                                                            {"KB", 1000},
                                                            {"KiB", 1ull << 10},
                                                            {"M", 1000000},
                                                            {"MB", 1000000},
                                                            {"MiB", 1ull << 20},
                                                            {"G", 1000000000},
                                                            {"GB", 1000000000},
                                                            {"GiB", 1ull << 30}};
  if (digits > 0 && digits <= 12) {
    for (const auto& [name, factor] : kUnits)
      if (unit == name) return std::stoull(s->substr(0, digits)) * factor;
  }
  t.error(key, "expected a byte size such as 536870912, \"512MiB\" or \"2GB\", got \"" + *s + "\"");
  return std::nullopt;
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
      // "." and ".." would put the state directory outside state_dir.
      if (*v == "." || *v == "..") valid = false;
      if (!valid)
        t.error("name",
                "collector names use letters, digits, '_', '-' and '.' (1-128), and are not "
                "\".\" or \"..\"");
      else if (!names.insert(*v).second)
        t.error("name", "duplicate collector name \"" + *v + "\"");
      else if (!cfg.state_dir.empty() && is_reserved_state_name(*v))
        t.error("name",
                "\"" + *v + "\" is taken in state_dir by the exporter's own state (" +
                    "dialin/, remote_write/, quarantine, crash-record): rename the collector");
      c.name = *v;
    }
  }
  if (t.require("plugin")) {
    if (auto v = t.string("plugin")) {
      c.plugin = *v;
      std::string path = resolve_plugin_path(*v, cfg.plugin_dir, cfg.file);
      std::error_code ec;
      if (v->empty()) {
        t.error("plugin", "must name a plugin");
      } else if (!fs::is_regular_file(path, ec)) {
        t.error("plugin", "unknown plugin \"" + *v + "\": no file " + path);
      } else {
        c.plugin_path = std::move(path);  // empty: no plugin to check the section with
      }
    }
  }
  if (auto v = t.duration("timeout")) {
    if (*v <= Duration::zero())
      t.error("timeout", "must be positive");
    else
      c.timeout = *v;
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
    if (*v < 1)
      t.error("max_samples", "must be positive");
    else
      c.max_samples = static_cast<uint64_t>(*v);
  }
  c.relabel = read_relabel(t, "relabel");
  c.isolated = read_isolation(t).value_or(cfg.default_isolated);
  c.isolate_on_crash = read_on_crash(t).value_or(cfg.default_isolate_on_crash);
  if (auto v = read_byte_size(t, "memory_limit")) c.memory_limit = *v;
  if (auto v = read_byte_size(t, "rss_limit")) c.rss_limit = *v;
  if (auto v = t.integer("max_collects")) {
    if (*v < 0)
      t.error("max_collects", "must not be negative");
    else
      c.max_collects = static_cast<uint64_t>(*v);
  }
  if (auto v = t.string("user")) {
    if (v->empty()) t.error("user", "must name a user");
    c.user = *v;
  }
  if (!c.isolated) {
    for (const char* key : {"memory_limit", "rss_limit", "max_collects", "user"})
      if (t.has(key)) t.error(key, "applies only with isolation = \"process\"");
  }
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
  // What decides whether a reload may keep the running instance.
  std::ostringstream fp;
  fp << t.table() << "\nstate_dir=" << c.state_dir << "\nplugin_path=" << c.plugin_path
     << "\nisolated=" << c.isolated;
  c.fingerprint = fp.str();
  cfg.collectors.push_back(std::move(c));
}

}  // namespace

std::vector<RelabelRule> read_relabel_rules(TableView parent, std::string_view key) {
  return read_relabel(parent, key);
}

namespace {

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
    if (*v < 0 || *v > 4096)
      top.error("collector_threads", "must be between 0 and 4096");
    else
      cfg.collector_threads = static_cast<int>(*v);
  }
  bool explicit_addresses = false;
  if (auto web = top.subtable("web")) {
    read_web(*web, cfg.web, explicit_addresses);
    if (auto v = web->integer("ready_min_collectors_up")) {
      if (*v < 0)
        web->error("ready_min_collectors_up", "must not be negative");
      else
        cfg.ready_min_collectors_up = static_cast<uint32_t>(*v);
    }
  }
  // Plain listeners: the flag's, else the file's listen_addresses, else the
  // default — unless [[web.listener]] tables say everything.
  if (!overrides.listen_addresses.empty()) {
    cfg.web.listen_addresses = overrides.listen_addresses;
  } else if (!explicit_addresses && !cfg.web.listeners.empty()) {
    cfg.web.listen_addresses.clear();
  }
  const toml::array* file_addresses = nullptr;
  if (auto web = doc.root().get_as<toml::table>("web"))
    file_addresses = web->get_as<toml::array>("listen_addresses");
  for (std::size_t i = 0; i < cfg.web.listen_addresses.size(); ++i) {
    const std::string& a = cfg.web.listen_addresses[i];
    if (auto problem = listen_address_problem(a)) {
      if (!overrides.listen_addresses.empty())
        doc.flag_error("--web.listen-address", *problem);
      else if (file_addresses && i < file_addresses->size())
        doc.error(file_addresses->get(i), ConfigDocument::index_path("web.listen_addresses", i),
                  *problem);
    }
    ListenerConfig l;
    l.address = a;
    cfg.web.listeners.push_back(std::move(l));
  }
  // An agent needs no listener: it serves over its connections to hubs.
  cfg.agent = read_agent_section(top);
  if (cfg.web.listeners.empty() && !cfg.agent)
    top.error("web",
              "no listener: give listen_addresses or [[web.listener]] (or an [agent] section)");
  if (auto auth = top.subtable("auth")) read_auth(*auth, cfg.auth);
  cfg.relabel = read_relabel(top, "relabel");

  if (auto defaults = top.subtable("defaults")) read_defaults(*defaults, cfg);
  std::set<std::string> names;
  std::vector<TableView> collectors = top.table_array("collector");
  for (TableView& c : collectors) read_collector(c, cfg, names);
  cfg.remote_writes = read_remote_write_sections(
      top, std::vector<std::string>(names.begin(), names.end()), cfg.state_dir);
  cfg.dialin = read_dialin_section(top);
  if (cfg.dialin && !cfg.dialin->clients.empty() && !verifies_client_certificates(cfg.web))
    if (auto dialin = top.subtable("dialin"))
      dialin->error("client",
                    "[[dialin.client]] needs a TLS listener that verifies client certificates "
                    "([web.listener.tls] client_auth_type VerifyClientCertIfGiven or "
                    "RequireAndVerifyClientCert, with client_ca_file)");
  if (cfg.dialin && !cfg.state_dir.empty())
    cfg.dialin->state_file = (fs::path(cfg.state_dir) / "dialin" / "agents.json").string();

  doc.report_unused(doc.root(), "");
  result.errors = doc.sorted_errors();
  if (result.errors.empty())
    result.config = std::move(cfg);
  else
    result.partial = std::make_shared<ExporterConfig>(std::move(cfg));
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
  auto failed = [&](const std::string& why) {
    LoadResult r;
    r.errors.push_back(ConfigError{path, 0, 0, "", why});
    return r;
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failed(std::string("cannot read the configuration file: ") + strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    ::close(fd);
    return failed("is a directory, not a configuration file");
  }
  // Read at most the cap plus one byte: more (or a file without end such as
  // /dev/zero) is refused without reading it all.
  std::string text;
  const std::string too_big =
      "the configuration file is larger than " + std::to_string(kMaxConfigFileBytes >> 20) + " MiB";
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > kMaxConfigFileBytes) {
    ::close(fd);
    return failed(too_big);
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return failed(std::string("cannot read the configuration file: ") + strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxConfigFileBytes) {
      ::close(fd);
      return failed(too_big);
    }
  }
  ::close(fd);
  return load_config_text(text, path, overrides);
}

}  // namespace pe::host
