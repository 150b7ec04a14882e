// glob_pattern.hpp — shell-style patterns for job names and metric names in
// the configuration: '*' matches any run of characters, '?' one character,
// everything else itself.
#pragma once

#include <string_view>

namespace pe::push {

bool glob_match(std::string_view pattern, std::string_view text) noexcept;

}  // namespace pe::push
