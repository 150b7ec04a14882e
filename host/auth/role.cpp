// role.cpp — role names.
#include "auth/role.hpp"

namespace pe::host {

std::optional<Role> role_from_string(std::string_view s) noexcept {
  if (s == "scrape") return Role::scrape;
  if (s == "push") return Role::push;
  if (s == "admin") return Role::admin;
  return std::nullopt;
}

std::string_view to_string(Role r) noexcept {
  switch (r) {
    case Role::scrape:
      return "scrape";
    case Role::push:
      return "push";
    case Role::admin:
      return "admin";
  }
  return "scrape";
}

std::string RoleSet::to_string() const {
  std::string out;
  for (Role r : {Role::scrape, Role::push, Role::admin}) {
    if (!has(r)) continue;
    if (!out.empty()) out += ',';
    out += pe::host::to_string(r);
  }
  return out;
}

}  // namespace pe::host
