// md5.hpp — internal: MD5 digest (RFC 1321), used only by the hashmod relabel
// action, which must hash exactly as Prometheus does.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace pe {

std::array<uint8_t, 16> md5(std::string_view data) noexcept;

}  // namespace pe
