// bearer_auth.hpp — "Authorization: Bearer <token>" checked against the
// configured tokens in constant time (the comparison's duration does not
// depend on where a guess first differs, nor on which token matched).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pe::host {

class BearerAuth {
 public:
  explicit BearerAuth(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {}
  bool enabled() const noexcept { return !tokens_.empty(); }
  // The identity ("bearer#N", 1-based) of the token in the header, if valid.
  std::optional<std::string> authenticate(std::string_view authorization_header) const;

 private:
  std::vector<std::string> tokens_;
};

// Constant-time equality for secrets.
bool constant_time_equals(std::string_view a, std::string_view b) noexcept;

}  // namespace pe::host
