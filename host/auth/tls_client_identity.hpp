// tls_client_identity.hpp — the certificate and key a TLS client (an agent
// dialling its hubs) presents: read from PEM files (the certificate file may
// carry its chain after it) and checked to belong together, once for the
// configuration check and again for each OpenSSL client context.
#pragma once

#include <string>

struct ssl_ctx_st;

namespace pe::host {

// Loads `cert_file` (with its chain) and `key_file` into `ctx`; throws
// std::runtime_error naming the file and the problem.
void use_client_certificate(ssl_ctx_st* ctx, const std::string& cert_file,
                            const std::string& key_file);

// The problem use_client_certificate would report, or "" when the pair loads.
std::string client_certificate_problem(const std::string& cert_file, const std::string& key_file);

}  // namespace pe::host
