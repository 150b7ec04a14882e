// agent_tokens.cpp — token lookup and constant-time verification.
#include "dialin/agent_tokens.hpp"

#include "auth/constant_time.hpp"
#include "auth/sha256.hpp"

namespace pe::host::dialin {

AgentTokens::AgentTokens(const std::vector<DialinToken>& tokens,
                         const std::vector<DialinClient>& clients) {
  for (const DialinToken& t : tokens) {
    by_id_.emplace(t.id, t);
    any_merge_ = any_merge_ || t.merge;
  }
  for (const DialinClient& c : clients) {
    DialinToken t;  // no secret: verify() never matches it
    t.id = std::string(kClientIdPrefix) + c.san;
    t.aliases = c.aliases;
    t.merge = c.merge;
    by_id_.emplace(t.id, std::move(t));
    client_sans_.push_back(c.san);
    any_merge_ = any_merge_ || c.merge;
  }
}

const DialinToken* AgentTokens::verify_certificate(const std::vector<std::string>& sans) const {
  for (const std::string& configured : client_sans_)
    for (const std::string& san : sans)
      if (san == configured) return find(std::string(kClientIdPrefix) + configured);
  return nullptr;
}

const DialinToken* AgentTokens::verify(std::string_view presented) const {
  static const std::string kNoToken(32, '\0');
  const auto dot = presented.find('.');
  std::string_view id =
      dot == std::string_view::npos ? std::string_view{} : presented.substr(0, dot);
  std::string_view secret = dot == std::string_view::npos ? presented : presented.substr(dot + 1);
  auto it = by_id_.find(id);
  if (it != by_id_.end() && it->second.secret_sha256.empty()) it = by_id_.end();  // a client
  const std::string& expected = it != by_id_.end() ? it->second.secret_sha256 : kNoToken;
  const bool equal = constant_time_equals(sha256(secret), expected);
  return equal && it != by_id_.end() && !secret.empty() ? &it->second : nullptr;
}

const DialinToken* AgentTokens::find(std::string_view id) const {
  auto it = by_id_.find(id);
  return it != by_id_.end() ? &it->second : nullptr;
}

}  // namespace pe::host::dialin
