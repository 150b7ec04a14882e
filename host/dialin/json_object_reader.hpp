// json_object_reader.hpp — reads the members of one parsed JSON object into
// typed fields with the dial-in protocol's limits, recording the first
// problem as a one-line message. Shared by the frame codec and the hub's
// registry file, so both check names, sizes and types the same way.
//
// Thread-safety: a reader is used by one thread; it refers to the object,
// limits and error string it was given, which must outlive it.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dialin/dialin_frame.hpp"
#include "http/json_value.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host::dialin {

// Reads the members of one JSON object into typed fields, recording the
// first problem. Unknown members are ignored (newer peers may add some).
class ObjectReader {
 public:
  ObjectReader(const JsonValue& object, const FrameLimits& limits, std::string& error)
      : object_(object), limits_(limits), error_(error) {}

  bool ok() const noexcept { return error_.empty(); }

  bool boolean(std::string_view key) {
    const JsonValue* v = member(key, JsonValue::Kind::boolean, true, "true or false");
    return v && v->boolean;
  }

  std::string string(std::string_view key, bool required, std::size_t max_bytes = 0) {
    const JsonValue* v = member(key, JsonValue::Kind::string, required, "a string");
    if (!v) return {};
    if (v->text.size() > (max_bytes ? max_bytes : limits_.max_value_bytes))
      fail(std::string(key) + " is longer than " +
           std::to_string(max_bytes ? max_bytes : limits_.max_value_bytes) + " bytes");
    return v->text;
  }

  std::optional<uint64_t> integer(std::string_view key, uint64_t min, uint64_t max) {
    const JsonValue* v = member(key, JsonValue::Kind::number, true, "a number");
    if (!v) return std::nullopt;
    uint64_t n = 0;
    const char* end = v->text.data() + v->text.size();
    auto [p, ec] = std::from_chars(v->text.data(), end, n);
    if (ec != std::errc() || p != end || n < min || n > max) {
      fail(std::string(key) + " must be an integer from " + std::to_string(min) + " to " +
           std::to_string(max) + ", not " + v->text);
      return std::nullopt;
    }
    return n;
  }

  std::optional<double> number(std::string_view key, double min, double max) {
    const JsonValue* v = member(key, JsonValue::Kind::number, true, "a number");
    if (!v) return std::nullopt;
    double d = 0;
    const char* end = v->text.data() + v->text.size();
    auto [p, ec] = std::from_chars(v->text.data(), end, d);
    if (ec != std::errc() || p != end || !std::isfinite(d) || d < min || d > max) {
      fail(std::string(key) + " must be a number from " + std::to_string(min) + " to " +
           std::to_string(max) + ", not " + v->text);
      return std::nullopt;
    }
    return d;
  }

  // An object of string values, sorted by name; names unique.
  StringPairs string_map(std::string_view key, std::size_t max_entries) {
    StringPairs out;
    const JsonValue* v = member(key, JsonValue::Kind::object, false, "an object");
    if (!v) return out;
    if (v->members.size() > max_entries) {
      fail(std::string(key) + " has more than " + std::to_string(max_entries) + " entries");
      return out;
    }
    std::set<std::string_view> seen;
    for (const JsonMember& m : v->members) {
      if (m.value.kind != JsonValue::Kind::string) {
        fail(std::string(key) + "." + m.key + " must be a string");
        return {};
      }
      if (m.key.size() > limits_.max_value_bytes || m.value.text.size() > limits_.max_value_bytes) {
        fail(std::string(key) + "." + m.key.substr(0, 64) + " is longer than " +
             std::to_string(limits_.max_value_bytes) + " bytes");
        return {};
      }
      if (!seen.insert(m.key).second) {
        fail(std::string(key) + " names " + quoted(m.key) + " twice");
        return {};
      }
      out.emplace_back(m.key, m.value.text);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<std::string> string_list(std::string_view key, std::size_t max_entries) {
    std::vector<std::string> out;
    const JsonValue* v = member(key, JsonValue::Kind::array, false, "an array of strings");
    if (!v) return out;
    if (v->items.size() > max_entries) {
      fail(std::string(key) + " has more than " + std::to_string(max_entries) + " entries");
      return out;
    }
    for (const JsonValue& item : v->items) {
      if (item.kind != JsonValue::Kind::string || item.text.size() > limits_.max_value_bytes) {
        fail(std::string(key) + " must be an array of strings of at most " +
             std::to_string(limits_.max_value_bytes) + " bytes");
        return {};
      }
      out.push_back(item.text);
    }
    return out;
  }

  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

 private:
  const JsonValue* member(std::string_view key, JsonValue::Kind kind, bool required,
                          const char* what) {
    if (!ok()) return nullptr;
    const JsonValue* v = object_.find(key);
    if (!v || (!required && v->kind == JsonValue::Kind::null)) {
      if (required) fail("missing " + std::string(key));
      return nullptr;
    }
    if (v->kind != kind) {
      fail(std::string(key) + " must be " + what);
      return nullptr;
    }
    return v;
  }

  const JsonValue& object_;
  const FrameLimits& limits_;
  std::string& error_;
};

}  // namespace pe::host::dialin
