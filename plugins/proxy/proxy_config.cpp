// proxy_config.cpp — reading and validating a proxy collector's table.
#include "proxy_config.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>

#include "base64.hpp"

namespace pe::proxy {
namespace {

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// Header values go on the wire verbatim: no CR, LF or other control bytes.
bool safe_header_value(std::string_view v) {
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

// Headers the plugin owns: overriding them would break framing, compression
// or the auth settings.
bool reserved_header(const std::string& lowered_name) {
  static const char* reserved[] = {"host", "content-length", "transfer-encoding", "connection",
                                   "accept-encoding", "te", "upgrade", "authorization",
                                   "x-prometheus-scrape-timeout-seconds"};
  return std::any_of(std::begin(reserved), std::end(reserved),
                     [&](const char* r) { return lowered_name == r; });
}

void read_url(const ConfigView& config, HttpTarget& t) {
  t.url = config.string("url");
  Poco::URI uri;
  try {
    uri = Poco::URI(t.url);
  } catch (const Poco::Exception& e) {
    config.error_at("url", "not a valid URL: " + e.displayText());
    return;
  }
  std::string scheme = uri.getScheme();
  if (scheme != "http" && scheme != "https") {
    config.error_at("url", "the URL must start with http:// or https://");
    return;
  }
  t.https = scheme == "https";
  t.host = uri.getHost();
  if (t.host.empty()) {
    config.error_at("url", "the URL has no host");
    return;
  }
  if (!uri.getUserInfo().empty()) {
    config.error_at("url", "credentials in the URL are not supported; use basic_auth");
    return;
  }
  if (!uri.getFragment().empty()) {
    config.error_at("url", "the URL has a fragment (#...), which is never sent");
    return;
  }
  t.port = uri.getPort();
  std::string path_etc = uri.getPathEtc();
  t.path = path_etc.substr(0, path_etc.find_first_of("?#"));
  if (t.path.empty()) t.path = "/";
  std::string_view q = uri.getRawQuery();
  while (!q.empty()) {
    std::size_t amp = q.find('&');
    std::string_view item = q.substr(0, amp);
    if (!item.empty()) t.query.emplace_back(item);
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
}

void read_headers(const ConfigView& config, HttpTarget& t) {
  ConfigView headers = config.get("headers");
  if (!headers.present()) return;
  if (headers.kind() != PE_CONFIG_TABLE) {
    headers.error("expected a table of header names to values");
    return;
  }
  for (const std::string& name : headers.keys()) {
    ConfigView v = headers.get(name.c_str());
    auto value = v.as_string();
    if (!value) continue;  // wrong type, already reported
    if (!is_token(name)) {
      v.error("\"" + name + "\" is not a valid header name");
    } else if (reserved_header(lower(name))) {
      v.error("header " + name + " is set by the plugin itself" +
              (lower(name) == "authorization" ? " (use basic_auth or bearer_token)"
               : lower(name) == "accept-encoding" ? " (use compression)"
                                                  : ""));
    } else if (!safe_header_value(*value)) {
      v.error("header value contains a control character (CR/LF?)");
    } else {
      t.headers.emplace_back(name, std::move(*value));
    }
  }
}

void read_auth(const ConfigView& config, HttpTarget& t) {
  std::optional<std::string> bearer = config.secret("bearer_token");
  ConfigView basic = config.get("basic_auth");
  if (basic.present() && basic.kind() != PE_CONFIG_TABLE) {
    basic.error("expected a table: { username = \"...\", password_file = \"...\" }");
    return;
  }
  if (basic.present()) {
    std::string user = basic.required_string("username");
    std::optional<std::string> password = basic.secret("password");
    if (user.find(':') != std::string::npos)
      basic.error_at("username", "a basic-auth username cannot contain ':'");
    if (bearer) config.error_at("basic_auth", "give either basic_auth or bearer_token, not both");
    t.authorization = "Basic " + base64_encode(user + ":" + password.value_or(""));
  } else if (bearer) {
    if (bearer->empty() || !safe_header_value(*bearer))
      config.error_at("bearer_token", "the bearer token is empty or contains control characters");
    t.authorization = "Bearer " + *bearer;
  }
  if (t.authorization && !safe_header_value(*t.authorization))
    config.error_at("basic_auth", "credentials contain control characters");
}

void read_tls(const ConfigView& config, HttpTarget& t) {
  ConfigView tls = config.get("tls");
  if (!tls.present()) return;
  if (tls.kind() != PE_CONFIG_TABLE) {
    tls.error("expected a table: { ca_file = \"...\", server_name = \"...\" }");
    return;
  }
  t.tls.ca_file = tls.string("ca_file");
  t.tls.cert_file = tls.string("cert_file");
  t.tls.key_file = tls.string("key_file");
  t.tls.server_name = tls.string("server_name");
  t.tls.insecure_skip_verify = tls.boolean("insecure_skip_verify", false);
  if (!t.https) tls.error("tls settings need an https:// url");
  if (t.tls.cert_file.empty() != t.tls.key_file.empty())
    tls.error("cert_file and key_file go together");
  if (t.tls.insecure_skip_verify && (!t.tls.ca_file.empty() || !t.tls.server_name.empty()))
    tls.error_at("insecure_skip_verify", "skipping verification makes ca_file/server_name pointless");
}

void read_forward_params(const ConfigView& config, HttpTarget& t) {
  ConfigView fp = config.get("forward_params");
  if (!fp.present()) return;
  for (ConfigView v : config.array("forward_params")) {
    auto name = v.as_string();
    if (!name) continue;
    if (name->empty() || *name == "collector") {
      v.error(name->empty() ? "empty parameter name"
                            : "\"collector\" is the host's own parameter and never reaches plugins");
      continue;
    }
    if (std::find(t.forward_params.begin(), t.forward_params.end(), *name) ==
        t.forward_params.end())
      t.forward_params.push_back(std::move(*name));
  }
}

HttpTarget read_http_target(const ConfigView& config) {
  HttpTarget t;
  read_url(config, t);
  read_headers(config, t);
  read_auth(config, t);
  read_tls(config, t);
  read_forward_params(config, t);
  std::string compression = config.string("compression", "gzip");
  if (compression == "none") t.gzip = false;
  else if (compression != "gzip")
    config.error_at("compression", "expected \"gzip\" or \"none\"");
  int64_t idle = config.integer("max_idle_connections", 4);
  if (idle < 0 || idle > 64) config.error_at("max_idle_connections", "must be between 0 and 64");
  else t.max_idle_connections = static_cast<std::size_t>(idle);
  return t;
}

FileTarget read_file_target(const ConfigView& config) {
  FileTarget t;
  ConfigView files = config.get("files");
  if (files.kind() == PE_CONFIG_STRING) {
    if (auto s = files.as_string()) t.patterns.push_back(std::move(*s));
  } else {
    t.patterns = config.string_array("files");
  }
  if (t.patterns.empty()) files.error("give at least one path or glob pattern");
  for (const std::string& p : t.patterns)
    if (p.empty() || p.front() != '/') files.error("\"" + p + "\" is not an absolute path");
  return t;
}

}  // namespace

ProxyConfig read_proxy_config(const ConfigView& config) {
  ProxyConfig c;
  bool has_url = config.has("url"), has_files = config.has("files");
  if (has_url && has_files) {
    config.error_at("files", "give either url (an HTTP target) or files (a file target), not both");
  } else if (has_url) {
    c.target = read_http_target(config);
  } else if (has_files) {
    c.target = read_file_target(config);
  } else {
    config.error("missing the source: url = \"http://127.0.0.1:9100/metrics\" or "
                 "files = [\"/var/lib/node_exporter/textfile/*.prom\"]");
  }
  int64_t max = config.integer("max_response_bytes", static_cast<int64_t>(c.max_response_bytes));
  if (max < 1024 || max > (int64_t{1} << 34))
    config.error_at("max_response_bytes", "must be between 1024 and 17179869184 (16 GiB)");
  else c.max_response_bytes = static_cast<std::size_t>(max);
  std::string invalid = config.string("invalid_lines", "fail");
  if (invalid == "drop") c.drop_invalid_lines = true;
  else if (invalid != "fail")
    config.error_at("invalid_lines", "expected \"fail\" (the whole source fails) or \"drop\" "
                                     "(only invalid lines are dropped)");
  return c;
}

}  // namespace pe::proxy
