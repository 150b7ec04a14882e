// exposition_check.hpp — the position and reason of a parse failure, found
// by parsing again with the options the host used. Only called after the
// host refused a text (the failure path), to say *which* response or file
// failed and where; the successful path parses once, in the host.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "plugin_exporter/plugin.h"

namespace pe::proxy {

// "line:column: message", or nothing if the text parses.
std::optional<std::string> explain_parse_failure(std::string_view text, pe_format format);

}  // namespace pe::proxy
