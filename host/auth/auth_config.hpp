// auth_config.hpp — who may call ([auth]): bearer tokens, basic-auth users,
// client certificate SANs, each with its roles, plus the rate limit. Filled
// by the configuration loader, used by the Authenticator.
#pragma once

#include <string>
#include <vector>

#include "auth/role.hpp"

namespace pe::host {

struct TokenIdentity {
  std::string name;
  std::string token;  // resolved secret
  RoleSet roles;
};

struct UserIdentity {
  std::string name;
  std::string password_hash;  // bcrypt
  RoleSet roles;
};

struct CertificateIdentity {
  std::string san;  // a subject alternative name of a verified client certificate
  RoleSet roles;
};

struct AuthConfig {
  std::vector<TokenIdentity> tokens;              // [[auth.token]] and the bearer_tokens shorthand
  std::vector<UserIdentity> users;                // [[auth.user]]: basic auth
  std::vector<CertificateIdentity> certificates;  // [[auth.client_cert]]
  bool open_health_endpoints = true;              // /healthz /livez /readyz /-/healthy /-/ready
  double rate_limit = 0;                          // requests per second per identity; 0 = off
  double rate_limit_burst = 0;
  bool enabled() const noexcept {
    return !tokens.empty() || !users.empty() || !certificates.empty();
  }
};

}  // namespace pe::host
