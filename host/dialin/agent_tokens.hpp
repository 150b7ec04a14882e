// agent_tokens.hpp — the hub's agent tokens: "<id>.<secret>" is looked up
// by id and the SHA-256 of the secret compared with the stored hash in
// constant time (a fast hash, not bcrypt: thousands of agents reconnect
// after a hub restart). An unknown id costs the same hash and compare, so
// timing does not tell ids apart. [[dialin.client]] entries are held apart
// from the tokens, as tokens without a secret whose id is "cert:<san>" (found
// by find(), never by verify()): an agent that sent no
// token is the first of them (in configuration order) whose SAN its verified
// client certificate carries.
//
// Thread-safety: immutable after construction; const use may be shared.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/dialin_config.hpp"

namespace pe::host::dialin {

class AgentTokens {
 public:
  explicit AgentTokens(const std::vector<DialinToken>& tokens,
                       const std::vector<DialinClient>& clients = {});
  // The token `presented` proves, or null.
  const DialinToken* verify(std::string_view presented) const;
  // The client entry a verified certificate with these SANs matches, or null.
  const DialinToken* verify_certificate(const std::vector<std::string>& sans) const;
  // The token with this id, or null (no secret involved: for the registry
  // file, which names tokens by id).
  const DialinToken* find(std::string_view id) const;
  // Whether any token has merge = true.
  bool any_merge() const { return any_merge_; }

 private:
  std::map<std::string, DialinToken, std::less<>> by_id_;  // the tokens
  // [[dialin.client]] entries, id "cert:<san>", in configuration order.
  std::vector<DialinToken> clients_;
  bool any_merge_ = false;
};

}  // namespace pe::host::dialin
