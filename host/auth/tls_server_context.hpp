// tls_server_context.hpp — the OpenSSL server context of one TLS listener,
// built from its [web.listener.tls] table: certificate and key (re-read when
// either file changes on disk, picked up by the next handshake), minimum and
// maximum protocol version (TLS 1.2 minimum by default), cipher suites
// (IANA or OpenSSL names) and curves, and the client certificate policy with
// the names of exporter-toolkit's client_auth_type.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/tls_config.hpp"

struct ssl_ctx_st;
struct x509_st;

namespace pe::host {

class TlsServerContext {
 public:
  // Throws std::runtime_error with a clear message on any problem.
  explicit TlsServerContext(const TlsConfig& config);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  // The OpenSSL context (owned by this object; SSL_CTX_up_ref to share it).
  ssl_ctx_st* native() const noexcept;

  // Validates a TLS table without opening sockets (--check-config): files
  // readable, key matches certificate, versions, ciphers, curves, client auth.
  // Returns an empty string when valid, else the problem.
  static std::string check(const TlsConfig& config);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The subject alternative names of a certificate (DNS, IP, e-mail, URI).
std::vector<std::string> subject_alternative_names_of(const x509_st* cert);

}  // namespace pe::host
