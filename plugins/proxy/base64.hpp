// base64.hpp — standard base64 (RFC 4648, with padding), for the basic-auth
// header sent to a backend.
#pragma once

#include <string>
#include <string_view>

namespace pe::proxy {

std::string base64_encode(std::string_view data);

}  // namespace pe::proxy
