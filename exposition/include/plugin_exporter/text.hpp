// text.hpp — small text helpers the host and the plugins share, so that one
// spelling rule holds everywhere: ASCII case folding and comparison, HTTP
// whitespace trimming, a value quoted for an error message (always one line),
// a JSON string, percent-encoding for URLs, and the parameters of a media
// type ("text/plain; version=0.0.4; q=0.5").
//
// Thread-safety: free functions without state; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pe {

// ASCII only: 'A'..'Z' folded, every other byte kept (no locale).
char ascii_lower(char c) noexcept;
std::string ascii_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b) noexcept;

// Without leading and trailing spaces and tabs (HTTP's OWS).
std::string_view trim(std::string_view s) noexcept;

// `s` in double quotes for a message: '"' and '\' escaped with '\', other
// bytes below 0x20 and 0x7f as \xNN, so a message stays on one line.
std::string quoted(std::string_view s);

// `s` as a JSON string literal (with its quotes): '"', '\', controls and
// 0x7f escaped, '<', '>' and '&' as \u003c, \u003e, \u0026 (inert when the
// JSON lands inside HTML), bytes that are not valid UTF-8 as \ufffd.
std::string json_quoted(std::string_view s);

// RFC 3986 percent-encoding: every byte but A-Z a-z 0-9 - . _ ~ as %XX.
std::string percent_encode(std::string_view s);

// A media type split at ';': the type ("text/plain", trimmed, as written)
// and, by name (case-insensitive), a parameter's value, trimmed and with
// surrounding double quotes removed.
struct MediaType {
  std::string_view type;
  std::string_view parameters;  // everything after the first ';'
  std::optional<std::string_view> parameter(std::string_view name) const noexcept;
};
MediaType parse_media_type(std::string_view text) noexcept;

}  // namespace pe
