// url_codec.hpp — the decodings a push URL needs: percent-decoding of one
// path segment or query component, URL-safe base64 (RFC 4648 §5, padding
// optional, as pushgateway's "@base64" label values), and splitting a raw
// query string into decoded name/value pairs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pe::push {

// %XX sequences decoded; with `plus_is_space`, '+' becomes ' ' (query
// strings). nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = false);

// URL-safe base64 ("-" and "_"), trailing '=' ignored; the standard
// alphabet's '+' and '/' are accepted too. nullopt on any other character or
// an impossible length.
std::optional<std::string> base64url_decode(std::string_view s);
std::string base64url_encode(std::string_view s);

// "a=1&b=x%20y" → {{"a","1"},{"b","x y"}}; false (with `error`) on a
// malformed escape.
bool parse_query(std::string_view query, std::vector<std::pair<std::string, std::string>>& out,
                 std::string& error);

}  // namespace pe::push
