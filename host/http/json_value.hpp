// json_value.hpp — a small JSON document model for the status page: the host
// reads a plugin's status document (e.g. push's GET /api/v1/status, asked
// through the C ABI) and renders it as HTML and again as JSON. Strict RFC 8259
// input, bounded depth and size; numbers are kept as their source text.
//
// Thread-safety: a JsonValue is a plain value; const use may be shared.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pe::host {

struct JsonMember;

struct JsonValue {
  enum class Kind { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  std::string text;                 // number (as written) or string (decoded UTF-8)
  std::vector<JsonValue> items;     // array
  std::vector<JsonMember> members;  // object, in document order

  // The member `key` of an object, or null.
  const JsonValue* find(std::string_view key) const;
  // Compact JSON of this value (strings re-escaped; valid whatever the input was).
  std::string dump() const;
};

struct JsonMember {
  std::string key;
  JsonValue value;
};

struct JsonLimits {
  std::size_t max_depth = 32;
  std::size_t max_bytes = 1 << 20;
};

// Parses one JSON text; nullopt with `error` on anything that is not one.
std::optional<JsonValue> parse_json(std::string_view text, std::string& error,
                                    JsonLimits limits = {});

}  // namespace pe::host
