// tls_context.hpp — the client-side TLS context for an https:// backend:
// which CAs to trust (a ca_file or the system's), an optional client
// certificate, or no verification at all when insecure_skip_verify is set.
// Built once at create (it reads the certificate files) and shared by every
// connection of the collector.
#pragma once

#include <Poco/Net/Context.h>

#include <string>

#include "proxy_config.hpp"

namespace pe::proxy {

// Throws std::runtime_error naming the file that could not be used.
Poco::Net::Context::Ptr make_tls_context(const TlsSettings& tls);

// Balances Poco::Net::initializeSSL()/uninitializeSSL() (reference counted).
class SslLibrary {
 public:
  SslLibrary();
  ~SslLibrary();
  SslLibrary(const SslLibrary&) = delete;
  SslLibrary& operator=(const SslLibrary&) = delete;
};

}  // namespace pe::proxy
