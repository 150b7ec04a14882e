// constant_time.hpp — equality of secrets whose duration does not depend on
// where a guess first differs.
#pragma once

#include <string_view>

namespace pe::host {

bool constant_time_equals(std::string_view a, std::string_view b) noexcept;

}  // namespace pe::host
