// agent_tokens.cpp — token lookup and constant-time verification.
#include "dialin/agent_tokens.hpp"

#include <algorithm>

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
    DialinToken t;  // no secret: it is never a token's to verify
    t.id = std::string(kClientIdPrefix) + c.san;
    t.aliases = c.aliases;
    t.merge = c.merge;
    clients_.push_back(std::move(t));
    any_merge_ = any_merge_ || c.merge;
  }
}

const DialinToken* AgentTokens::verify_certificate(const std::vector<std::string>& sans) const {
  for (const DialinToken& client : clients_) {
    const std::string_view san = std::string_view(client.id).substr(kClientIdPrefix.size());
    if (std::find(sans.begin(), sans.end(), san) != sans.end()) return &client;
  }
  return nullptr;
}

const DialinToken* AgentTokens::verify(std::string_view presented) const {
  static const std::string kNoToken(32, '\0');
  const auto dot = presented.find('.');
  std::string_view id =
      dot == std::string_view::npos ? std::string_view{} : presented.substr(0, dot);
  std::string_view secret = dot == std::string_view::npos ? presented : presented.substr(dot + 1);
  auto it = by_id_.find(id);
  const std::string& expected = it != by_id_.end() ? it->second.secret_sha256 : kNoToken;
  const bool equal = constant_time_equals(sha256(secret), expected);
  return equal && it != by_id_.end() && !secret.empty() ? &it->second : nullptr;
}

const DialinToken* AgentTokens::find(std::string_view id) const {
  if (auto it = by_id_.find(id); it != by_id_.end()) return &it->second;
  auto client = std::find_if(clients_.begin(), clients_.end(),
                             [&](const DialinToken& c) { return c.id == id; });
  return client != clients_.end() ? &*client : nullptr;
}

}  // namespace pe::host::dialin
