// tls_client_identity.cpp — a client certificate and key loaded into an
// OpenSSL context.
#include "auth/tls_client_identity.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <memory>
#include <stdexcept>

#include "auth/openssl_error.hpp"

namespace pe::host {

void use_client_certificate(SSL_CTX* ctx, const std::string& cert_file,
                            const std::string& key_file) {
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1)
    throw std::runtime_error("cert_file " + cert_file +
                             " holds no usable PEM certificate: " + openssl_error());
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error("key_file " + key_file +
                             " holds no usable PEM private key: " + openssl_error());
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    throw std::runtime_error("key_file " + key_file + " does not match cert_file " + cert_file);
  }
}

std::string client_certificate_problem(const std::string& cert_file, const std::string& key_file) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  if (!ctx) return "TLS context: " + openssl_error();
  try {
    use_client_certificate(ctx.get(), cert_file, key_file);
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace pe::host
