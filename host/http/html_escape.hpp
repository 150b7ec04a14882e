// html_escape.hpp — escaping for host-rendered HTML: text and attribute
// values. (URL components: pe::percent_encode in plugin_exporter/text.hpp.)
#pragma once

#include <string>
#include <string_view>

namespace pe::host {

// & < > " ' as entities: safe in element text and quoted attribute values.
std::string html_escape(std::string_view s);

}  // namespace pe::host
