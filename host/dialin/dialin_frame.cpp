// dialin_frame.cpp — encoding and strict decoding of dial-in frames.
#include "dialin/dialin_frame.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "dialin/json_object_reader.hpp"
#include "http/json_value.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host::dialin {
namespace {

constexpr uint64_t kMaxId = (uint64_t{1} << 53) - 1;  // exact in every JSON implementation

void append_member(std::string& out, std::string_view key, std::string_view json) {
  out += out.size() > 1 ? "," : "";
  out += json_quoted(key);
  out += ':';
  out += json;
}

std::string json_object(const StringPairs& pairs) {
  std::string out = "{";
  for (const auto& [k, v] : pairs) append_member(out, k, json_quoted(v));
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
    if (!h.token.empty()) append_member(o, "token", json_quoted(h.token));
    append_member(o, "alias", json_quoted(h.alias));
    append_member(o, "hostname", json_quoted(h.hostname));
    append_member(o, "service", json_quoted(h.service));
    append_member(o, "labels", json_object(h.labels));
    return {o + "}", false};
  }
  EncodedFrame operator()(const Accepted& a) const {
    std::string o = "{";
    append_member(o, "type", "\"accepted\"");
    append_member(o, "alias", json_quoted(a.alias));
    return {o + "}", false};
  }
  EncodedFrame operator()(const Refused& r) const {
    std::string o = "{";
    append_member(o, "type", "\"refused\"");
    append_member(o, "code", std::to_string(r.code));
    append_member(o, "reason", json_quoted(r.reason));
    append_member(o, "message", json_quoted(r.message));
    return {o + "}", false};
  }
  EncodedFrame operator()(const ScrapeRequest& s) const {
    std::string o = "{";
    append_member(o, "type", "\"scrape\"");
    append_member(o, "id", std::to_string(s.id));
    append_member(o, "timeout_s", format_number(s.timeout_s));
    append_member(o, "accept", json_quoted(s.accept));
    append_member(o, "accept_encoding", json_quoted(s.accept_encoding));
    if (!s.collectors.empty()) {
      std::string list = "[";
      for (const std::string& c : s.collectors)
        list += (list.size() > 1 ? "," : "") + json_quoted(c);
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
    h.token = r.string("token", false);  // absent: the client certificate identifies
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
