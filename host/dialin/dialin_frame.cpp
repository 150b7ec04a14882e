// dialin_frame.cpp — encoding and strict decoding of dial-in frames.
#include "dialin/dialin_frame.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "http/json_value.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host::dialin {
namespace {

constexpr uint64_t kMaxId = (uint64_t{1} << 53) - 1;  // exact in every JSON implementation

// Reads the members of one JSON object into typed fields, recording the
// first problem. Unknown members are ignored (newer peers may add some).
class ObjectReader {
 public:
  ObjectReader(const JsonValue& object, const FrameLimits& limits, std::string& error)
      : object_(object), limits_(limits), error_(error) {}

  bool ok() const noexcept { return error_.empty(); }

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

void append_member(std::string& out, std::string_view key, std::string_view json) {
  out += out.size() > 1 ? "," : "";
  out += json_quote(key);
  out += ':';
  out += json;
}

std::string json_object(const StringPairs& pairs) {
  std::string out = "{";
  for (const auto& [k, v] : pairs) append_member(out, k, json_quote(v));
  return out + "}";
}

std::string format_number(double d) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, p) : "0";
}

struct Encoder {
  EncodedFrame operator()(const Hello& h) const {
    std::string o = "{";
    append_member(o, "type", "\"hello\"");
    append_member(o, "version", std::to_string(h.version));
    append_member(o, "token", json_quote(h.token));
    append_member(o, "alias", json_quote(h.alias));
    append_member(o, "hostname", json_quote(h.hostname));
    append_member(o, "service", json_quote(h.service));
    append_member(o, "labels", json_object(h.labels));
    return {o + "}", false};
  }
  EncodedFrame operator()(const Accepted& a) const {
    std::string o = "{";
    append_member(o, "type", "\"accepted\"");
    append_member(o, "alias", json_quote(a.alias));
    return {o + "}", false};
  }
  EncodedFrame operator()(const Refused& r) const {
    std::string o = "{";
    append_member(o, "type", "\"refused\"");
    append_member(o, "code", std::to_string(r.code));
    append_member(o, "reason", json_quote(r.reason));
    append_member(o, "message", json_quote(r.message));
    return {o + "}", false};
  }
  EncodedFrame operator()(const ScrapeRequest& s) const {
    std::string o = "{";
    append_member(o, "type", "\"scrape\"");
    append_member(o, "id", std::to_string(s.id));
    append_member(o, "timeout_s", format_number(s.timeout_s));
    append_member(o, "accept", json_quote(s.accept));
    append_member(o, "accept_encoding", json_quote(s.accept_encoding));
    if (!s.collectors.empty()) {
      std::string list = "[";
      for (const std::string& c : s.collectors)
        list += (list.size() > 1 ? "," : "") + json_quote(c);
      append_member(o, "collector", list + "]");
    }
    return {o + "}", false};
  }
  EncodedFrame operator()(const ScrapeReply& r) const {
    std::string header = "{";
    append_member(header, "type", "\"response\"");
    append_member(header, "id", std::to_string(r.id));
    append_member(header, "status", std::to_string(r.status));
    append_member(header, "headers", json_object(r.headers));
    header += '}';
    EncodedFrame f;
    f.binary = true;
    f.bytes.reserve(4 + header.size() + r.body.size());
    const auto n = static_cast<uint32_t>(header.size());
    for (int shift = 24; shift >= 0; shift -= 8) f.bytes += static_cast<char>((n >> shift) & 0xff);
    f.bytes += header;
    f.bytes += r.body;
    return f;
  }
};

std::optional<Frame> decode_object(const JsonValue& doc, std::string_view body, bool binary,
                                   const FrameLimits& limits, std::string& error) {
  ObjectReader r(doc, limits, error);
  const std::string type = r.string("type", true, 32);
  if (!r.ok()) return std::nullopt;
  if (binary != (type == "response")) {
    error = "a " + quoted(type) + " frame must be a " + (binary ? "text" : "binary") + " message";
    return std::nullopt;
  }
  if (type == "hello") {
    Hello h;
    auto version = r.integer("version", 1, 1000);
    h.token = r.string("token", true);
    h.alias = r.string("alias", true);
    h.hostname = r.string("hostname", false);
    h.service = r.string("service", false);
    h.labels = r.string_map("labels", limits.max_labels);
    if (!r.ok()) return std::nullopt;
    h.version = static_cast<int>(*version);
    if (!valid_alias(h.alias)) {
      error = "alias " + quoted(h.alias) +
              " is not 1 to 128 of A-Z a-z 0-9 _ . - starting with a letter or digit";
      return std::nullopt;
    }
    for (const auto& [name, value] : h.labels) {
      if (!valid_agent_label_name(name)) {
        error = "label name " + quoted(name) +
                " is not a Prometheus label name or is reserved (__*, instance, hostname, "
                "service, job)";
        return std::nullopt;
      }
    }
    return h;
  }
  if (type == "accepted") {
    Accepted a;
    a.alias = r.string("alias", true);
    if (!r.ok()) return std::nullopt;
    return a;
  }
  if (type == "refused") {
    Refused f;
    auto code = r.integer("code", 400, 599);
    f.reason = r.string("reason", true, 64);
    f.message = r.string("message", false);
    if (!r.ok()) return std::nullopt;
    f.code = static_cast<int>(*code);
    return f;
  }
  if (type == "scrape") {
    ScrapeRequest s;
    auto id = r.integer("id", 0, kMaxId);
    auto timeout = r.number("timeout_s", 0.001, 3600);
    s.accept = r.string("accept", false);
    s.accept_encoding = r.string("accept_encoding", false);
    s.collectors = r.string_list("collector", 256);
    if (!r.ok()) return std::nullopt;
    s.id = *id;
    s.timeout_s = *timeout;
    return s;
  }
  if (type == "response") {
    ScrapeReply p;
    auto id = r.integer("id", 0, kMaxId);
    auto status = r.integer("status", 100, 599);
    p.headers = r.string_map("headers", 32);
    if (!r.ok()) return std::nullopt;
    p.id = *id;
    p.status = static_cast<int>(*status);
    p.body = std::string(body);
    return p;
  }
  error = "unknown frame type " + quoted(type);
  return std::nullopt;
}

}  // namespace

EncodedFrame encode_frame(const Frame& frame) {
  return std::visit(Encoder{}, frame);
}

std::optional<Frame> decode_frame(std::string_view message, bool binary, std::string& error,
                                  const FrameLimits& limits) {
  error.clear();
  if (message.size() > limits.max_message_bytes) {
    error = "message of " + std::to_string(message.size()) + " bytes exceeds the limit of " +
            std::to_string(limits.max_message_bytes);
    return std::nullopt;
  }
  std::string_view json = message;
  std::string_view body;
  if (binary) {
    if (message.size() < 4) {
      error = "binary message shorter than its 4-byte header length";
      return std::nullopt;
    }
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(message[i]);
    if (n > message.size() - 4) {
      error = "header length " + std::to_string(n) + " exceeds the message";
      return std::nullopt;
    }
    json = message.substr(4, n);
    body = message.substr(4 + n);
  }
  if (json.size() > limits.max_control_bytes) {
    error = "JSON of " + std::to_string(json.size()) + " bytes exceeds the limit of " +
            std::to_string(limits.max_control_bytes);
    return std::nullopt;
  }
  std::string json_error;
  auto doc = parse_json(json, json_error, JsonLimits{8, limits.max_control_bytes});
  if (!doc) {
    error = "not JSON: " + json_error;
    return std::nullopt;
  }
  if (doc->kind != JsonValue::Kind::object) {
    error = "a frame must be a JSON object";
    return std::nullopt;
  }
  return decode_object(*doc, body, binary, limits, error);
}

}  // namespace pe::host::dialin
