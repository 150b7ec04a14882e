// tls_config.hpp — the TLS settings of a listener ([web.tls] or a
// listener's tls table), as the configuration loader fills them and the TLS
// server context applies them.
#pragma once

#include <string>
#include <vector>

namespace pe::host {

struct TlsConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  // exporter-toolkit's client_auth_type: NoClientCert, RequestClientCert,
  // RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert.
  std::string client_auth = "NoClientCert";
  std::vector<std::string> client_allowed_sans;  // empty = any verified client
  std::string min_version = "TLS12";             // TLS10, TLS11, TLS12, TLS13
  std::string max_version = "TLS13";
  std::vector<std::string> cipher_suites;      // TLS 1.2 suites; empty = OpenSSL defaults
  std::vector<std::string> curve_preferences;  // e.g. X25519, CurveP256
};

}  // namespace pe::host
