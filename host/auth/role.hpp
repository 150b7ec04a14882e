// role.hpp — the permissions a route requires and an identity holds:
// scrape (read metrics), push (write through plugin routes), admin
// (configuration, wipes). A small bit set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pe::host {

enum class Role : uint8_t { scrape = 1, push = 2, admin = 4 };

class RoleSet {
 public:
  constexpr RoleSet() = default;
  static constexpr RoleSet all() { return RoleSet(7); }
  constexpr RoleSet with(Role r) const { return RoleSet(bits_ | static_cast<uint8_t>(r)); }
  constexpr bool has(Role r) const { return (bits_ & static_cast<uint8_t>(r)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  std::string to_string() const;  // "scrape,push"

 private:
  constexpr explicit RoleSet(uint8_t bits) : bits_(bits) {}
  uint8_t bits_ = 0;
};

std::optional<Role> role_from_string(std::string_view s) noexcept;  // "scrape" | "push" | "admin"
std::string_view to_string(Role r) noexcept;

}  // namespace pe::host
