// remote_write_config.cpp — strict reading of [[remote_write]] sections.
#include "config/remote_write_config.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "base/stable_hash.hpp"
#include "config/config_document.hpp"
#include "config/config_loader.hpp"
#include "plugin_exporter/exposition/metric_names.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host {
namespace {

// Headers the sender sets itself (Prometheus refuses the same list).
constexpr std::string_view kReservedHeaders[] = {"authorization",
                                                 "host",
                                                 "content-encoding",
                                                 "content-length",
                                                 "content-type",
                                                 "user-agent",
                                                 "connection",
                                                 "keep-alive",
                                                 "proxy-authenticate",
                                                 "proxy-authorization",
                                                 "www-authenticate",
                                                 "accept-encoding",
                                                 "transfer-encoding",
                                                 "x-prometheus-remote-write-version",
                                                 "x-prometheus-remote-read-version"};

bool reserved_header(std::string_view name) {
  const std::string lower = ascii_lower(name);
  return std::find(std::begin(kReservedHeaders), std::end(kReservedHeaders), lower) !=
         std::end(kReservedHeaders);
}

bool valid_name(const std::string& v) {
  if (v.empty() || v.size() > 128) return false;
  for (char ch : v)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '_' || ch == '-' || ch == '.'))
      return false;
  return true;
}

// A stable default name: 8 hex digits of the url's FNV-1a hash.
std::string name_from_url(const std::string& url) {
  return stable_hash_hex(url).substr(0, 8);
}

RemoteWriteConfig read_one(TableView t, const std::set<std::string>& collectors,
                           const std::string& state_dir, std::set<std::string>& names) {
  RemoteWriteConfig rw;
  rw.path = t.path();
  if (t.require("url")) {
    if (auto v = t.string("url")) {
      if (v->rfind("http://", 0) != 0 && v->rfind("https://", 0) != 0)
        t.error("url", "must be an http:// or https:// URL");
      else if (v->find_first_of(" \t\r\n") != std::string::npos)
        t.error("url", "must not contain whitespace");
      rw.url = *v;
    }
  }
  if (auto v = t.string("name")) {
    if (!valid_name(*v)) t.error("name", "names use letters, digits, '_', '-' and '.' (1-128)");
    rw.name = *v;
  } else {
    rw.name = name_from_url(rw.url);
  }
  if (!rw.name.empty() && !names.insert(rw.name).second)
    t.error(t.has("name") ? "name" : "url",
            "two [[remote_write]] sections named \"" + rw.name +
                "\" (give each a distinct name; the default is derived from the url)");

  if (auto ba = t.subtable("basic_auth")) {
    rw.has_basic_auth = true;
    if (ba->require("username")) rw.basic_auth_username = ba->string("username").value_or("");
    bool found = false;
    auto pw = ba->secret("password", found);
    if (!found)
      ba->error_here("missing password: give password, password_file or password_env");
    else if (pw)
      rw.basic_auth_password = *pw;
  }
  bool bearer_found = false;
  if (auto tok = t.secret("bearer_token", bearer_found)) rw.bearer_token = *tok;
  if (bearer_found && rw.has_basic_auth)
    t.error("basic_auth", "give basic_auth or a bearer_token, not both");

  if (auto tls = t.subtable("tls")) {
    if (auto v = tls->string("ca_file")) rw.tls.ca_file = *v;
    if (auto v = tls->string("cert_file")) rw.tls.cert_file = *v;
    if (auto v = tls->string("key_file")) rw.tls.key_file = *v;
    if (auto v = tls->string("server_name")) rw.tls.server_name = *v;
    if (auto v = tls->boolean("insecure_skip_verify")) rw.tls.insecure_skip_verify = *v;
    if (rw.tls.cert_file.empty() != rw.tls.key_file.empty())
      tls->error_here("give cert_file and key_file together (the client certificate)");
    for (const std::string* f : {&rw.tls.ca_file, &rw.tls.cert_file, &rw.tls.key_file}) {
      std::error_code ec;
      if (!f->empty() && !std::filesystem::is_regular_file(*f, ec))
        tls->error_here("no such file: " + *f);
    }
    if (rw.url.rfind("https://", 0) != 0) tls->error_here("[tls] needs an https:// url");
  }

  if (auto v = t.string_map("headers")) {
    for (auto& [k, val] : *v) {
      if (reserved_header(k))
        t.error("headers", "header \"" + k + "\" is set by the sender and cannot be overridden");
      else if (k.empty() || k.find_first_of(" \t\r\n:") != std::string::npos ||
               val.find_first_of("\r\n") != std::string::npos)
        t.error("headers", "invalid header \"" + k + "\"");
    }
    rw.headers = *v;
  }
  t.positive_duration("interval", rw.interval);
  t.positive_duration("timeout", rw.timeout);
  t.positive_duration("min_backoff", rw.min_backoff);
  t.positive_duration("max_backoff", rw.max_backoff);
  if (rw.max_backoff < rw.min_backoff)
    t.error("max_backoff", "must not be shorter than min_backoff");

  if (auto v = t.string_array("collectors")) {
    for (const std::string& c : *v)
      if (c != kSelfMetricsCollector && !collectors.count(c))
        t.error("collectors", "unknown collector \"" + c +
                                  "\" (name a [[collector]] or \"plugin_exporter\" for the "
                                  "host's own metrics)");
    rw.collectors = *v;
  }
  rw.write_relabel = read_relabel_rules(t, "write_relabel");
  if (auto v = t.string_map("external_labels")) {
    for (auto& [k, val] : *v)
      if (!is_valid_label_name(k) || k.rfind("__", 0) == 0)
        t.error("external_labels", "invalid label name \"" + k + "\"");
    rw.external_labels = *v;
  }
  if (auto v = t.integer("max_samples_per_send")) {
    if (*v < 1 || *v > 1'000'000)
      t.error("max_samples_per_send", "must be between 1 and 1000000");
    else
      rw.max_samples_per_send = static_cast<uint32_t>(*v);
  }
  if (auto v = t.integer("queue_capacity_bytes")) {
    if (*v < 1024)
      t.error("queue_capacity_bytes", "must be at least 1024");
    else
      rw.queue_capacity_bytes = static_cast<uint64_t>(*v);
  }
  if (auto v = t.string("protocol")) {
    if (*v == "2.0")
      rw.protocol = RemoteWriteProtocol::v2;
    else if (*v != "1.0")
      t.error("protocol", "unsupported protocol \"" + *v + "\" (1.0 or 2.0)");
  }
  if (!state_dir.empty() && !rw.name.empty())
    rw.queue_dir = (std::filesystem::path(state_dir) / "remote_write" / rw.name).string();

  // What decides whether a reload may keep the running sender (and its queue).
  std::ostringstream fp;
  fp << t.table() << "\nqueue_dir=" << rw.queue_dir << "\nsecrets=" << rw.basic_auth_password
     << "\x1f" << rw.bearer_token;
  rw.fingerprint = fp.str();
  return rw;
}

}  // namespace

std::vector<RemoteWriteConfig> read_remote_write_sections(
    TableView top, const std::vector<std::string>& collector_names, const std::string& state_dir) {
  std::set<std::string> collectors(collector_names.begin(), collector_names.end());
  std::set<std::string> names;
  std::vector<RemoteWriteConfig> out;
  for (TableView& t : top.table_array("remote_write"))
    out.push_back(read_one(t, collectors, state_dir, names));
  return out;
}

}  // namespace pe::host
