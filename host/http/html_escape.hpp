// html_escape.hpp — escaping for host-rendered HTML: text and attribute
// values (html_escape), and URL query components (url_escape).
#pragma once

#include <string>
#include <string_view>

namespace pe::host {

// & < > " ' as entities: safe in element text and quoted attribute values.
std::string html_escape(std::string_view s);
// Everything but RFC 3986 unreserved characters percent-encoded.
std::string url_escape(std::string_view s);

}  // namespace pe::host
