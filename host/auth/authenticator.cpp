// authenticator.cpp — bearer, basic and client-certificate identities.
#include "auth/authenticator.hpp"

#include <Poco/Base64Decoder.h>

#include <cctype>
#include <sstream>

#include "auth/constant_time.hpp"

namespace pe::host {
namespace {

// The credentials after "<scheme> " (case-insensitive scheme), trimmed.
std::optional<std::string_view> credentials_of(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() + 1) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return std::nullopt;
  if (header[scheme.size()] != ' ') return std::nullopt;
  std::string_view rest = header.substr(scheme.size() + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  return rest;
}

}  // namespace

Authenticator::Authenticator(const AuthConfig& config) : config_(config) {}

std::optional<Identity> Authenticator::authenticate(std::string_view authorization,
                                                    const std::vector<std::string>& client_sans) {
  if (!enabled()) return Identity{"anonymous", RoleSet::all()};
  if (auto token = credentials_of(authorization, "bearer")) return bearer(*token);
  if (auto creds = credentials_of(authorization, "basic")) return basic(*creds);
  // A verified client certificate whose SAN is configured as an identity.
  for (const std::string& san : client_sans)
    for (const CertificateIdentity& c : config_.certificates)
      if (c.san == san) return Identity{"cert:" + san, c.roles};
  return std::nullopt;
}

std::optional<Identity> Authenticator::bearer(std::string_view token) {
  std::optional<Identity> found;
  for (const TokenIdentity& t : config_.tokens) {
    // Every token is compared, whichever matches.
    if (constant_time_equals(token, t.token) && !found)
      found = Identity{"token:" + t.name, t.roles};
  }
  return found;
}

std::optional<Identity> Authenticator::basic(std::string_view credentials) {
  std::string decoded;
  try {
    std::istringstream in{std::string(credentials)};
    Poco::Base64Decoder decoder(in);
    std::ostringstream out;
    out << decoder.rdbuf();
    decoded = out.str();
  } catch (const std::exception&) {
    return std::nullopt;
  }
  auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string_view user(decoded.data(), colon);
  std::string_view password(decoded.data() + colon + 1, decoded.size() - colon - 1);
  for (const UserIdentity& u : config_.users) {
    if (u.name != user) continue;
    if (bcrypt_.verify(u.name, u.password_hash, password))
      return Identity{"user:" + u.name, u.roles};
    return std::nullopt;
  }
  int cost =
      config_.users.empty() ? 10 : BcryptVerifier::cost_of(config_.users.front().password_hash);
  bcrypt_.reject_unknown(password, cost);
  return std::nullopt;
}

std::string Authenticator::challenge() const {
  if (!config_.users.empty()) return "Basic realm=\"plugin_exporter\", charset=\"UTF-8\"";
  return "Bearer realm=\"plugin_exporter\"";
}

}  // namespace pe::host
