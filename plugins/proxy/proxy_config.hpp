// proxy_config.hpp — one proxy collector's configuration ([collector.config]):
// either an HTTP(S) target or a set of *.prom files, plus how to treat
// invalid lines and how much a response may weigh. Read and validated once,
// at create; every problem is reported at its key with file:line:column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "plugin_exporter/config_view.hpp"

namespace pe::proxy {

struct TlsSettings {
  std::string ca_file;    // PEM bundle to verify the backend with; empty = system CAs
  std::string cert_file;  // client certificate (PEM), with key_file
  std::string key_file;
  std::string server_name;  // name to verify (and send as SNI) instead of the URL's host
  bool insecure_skip_verify = false;
};

struct HttpTarget {
  std::string url;  // as configured (for messages)
  bool https = false;
  std::string host;  // without brackets
  uint16_t port = 0;
  std::string path;                    // raw path, at least "/"
  std::vector<std::string> query;      // raw "k=v" items of the URL's query, in order
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
  std::optional<std::string> authorization;  // "Basic ..." / "Bearer ..." (a secret)
  TlsSettings tls;
  std::vector<std::string> forward_params;  // scrape parameters passed on to the backend
  bool gzip = true;                         // send Accept-Encoding: gzip
  std::size_t max_idle_connections = 4;     // kept-alive connections kept between scrapes
};

struct FileTarget {
  std::vector<std::string> patterns;  // paths or glob(7) patterns
};

struct ProxyConfig {
  std::variant<std::monostate, HttpTarget, FileTarget> target;
  std::size_t max_response_bytes = 64u << 20;  // per response / per file, after decompression
  bool drop_invalid_lines = false;             // invalid_lines = "drop"
};

// Reads and validates the plugin table; errors are recorded through `config`
// (check config.has_errors() afterwards). Opens no file or socket.
ProxyConfig read_proxy_config(const ConfigView& config);

}  // namespace pe::proxy
