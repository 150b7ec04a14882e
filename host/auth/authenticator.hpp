// authenticator.hpp — who is calling: a bearer token, a basic-auth user
// (bcrypt), or a verified client certificate's SAN, each mapped to its roles.
// Tokens are compared in constant time against every configured token;
// unknown users cost one bcrypt like known ones. No identities configured =
// authentication off (every caller has every role).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_config.hpp"
#include "auth/bcrypt_verifier.hpp"
#include "auth/role.hpp"

namespace pe::host {

struct Identity {
  std::string name;  // "token:ci", "user:prometheus", "cert:host.example", "anonymous"
  RoleSet roles;
};

class Authenticator {
 public:
  explicit Authenticator(const AuthConfig& config);

  bool enabled() const noexcept { return config_.enabled(); }
  // The caller's identity from the Authorization header and the SANs of a
  // client certificate the TLS layer verified (empty if none); nullopt when
  // nothing presented is valid.
  std::optional<Identity> authenticate(std::string_view authorization,
                                       const std::vector<std::string>& client_sans);
  // The WWW-Authenticate value of a 401.
  std::string challenge() const;

 private:
  std::optional<Identity> bearer(std::string_view token);
  std::optional<Identity> basic(std::string_view credentials);
  AuthConfig config_;
  BcryptVerifier bcrypt_;
};

}  // namespace pe::host
