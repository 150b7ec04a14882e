// agent_names.cpp — alias and agent label name rules.
#include "config/agent_names.hpp"

namespace pe::host::dialin {
namespace {

bool alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool valid_alias(std::string_view alias) noexcept {
  if (alias.empty() || alias.size() > 128 || !alnum(alias.front())) return false;
  for (char c : alias)
    if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

bool valid_agent_label_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 128) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool digit = c >= '0' && c <= '9';
    if (!(alnum(c) || c == '_') || (i == 0 && digit)) return false;
  }
  return name.substr(0, 2) != "__" && name != "instance" && name != "hostname" &&
         name != "service" && name != "job";
}

}  // namespace pe::host::dialin
