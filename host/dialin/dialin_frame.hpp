// dialin_frame.hpp — the frames of the dial-in protocol (docs/dialin-protocol.md)
// and their codec: an agent's hello, the hub's accepted/refused answer, a
// scrape request and its response. Control frames are WebSocket text
// messages holding one JSON object; a response is a binary message (a 4-byte
// length, a JSON header, then the body bytes as they are, gzip included).
// Decoding checks everything a peer controls (types, ranges, sizes, names)
// and says what is wrong; its cost is linear in the message size.
//
// Thread-safety: free functions without state and plain value types; safe
// from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "config/agent_names.hpp"

namespace pe::host::dialin {

inline constexpr int kProtocolVersion = 1;
// The WebSocket subprotocol an agent asks for (Sec-WebSocket-Protocol).
inline constexpr const char* kSubprotocol = "plugin-exporter-dialin.v1";

struct FrameLimits {
  std::size_t max_message_bytes = 16u << 20;  // a whole WebSocket message
  std::size_t max_control_bytes = 64u << 10;  // a text frame, or a response's JSON header
  std::size_t max_labels = 64;                // labels of a hello
  std::size_t max_value_bytes = 1024;         // alias, hostname, service, a label value, a header
};

using StringPairs = std::vector<std::pair<std::string, std::string>>;

// agent -> hub, first message of a connection.
struct Hello {
  int version = kProtocolVersion;
  std::string token;  // "<id>.<secret>"; empty: the agent's client certificate identifies it
  std::string alias;
  std::string hostname;
  std::string service;
  StringPairs labels;  // sorted by name, unique
};

// hub -> agent: registration succeeded.
struct Accepted {
  std::string alias;
};

// hub -> agent: registration refused; the hub closes the connection after it.
struct Refused {
  int code =
      401;  // HTTP-like: 400 bad hello, 401 bad token, 403 alias not allowed, 409 alias taken
  std::string reason;  // machine-readable: "bad_hello", "bad_token", "alias_not_allowed", ...
  std::string message;
};

// hub -> agent: one scrape.
struct ScrapeRequest {
  uint64_t id = 0;        // unique among the connection's requests in flight
  double timeout_s = 10;  // the agent answers within this many seconds
  std::string accept;     // the scraper's Accept header ("" = text 0.0.4)
  std::string accept_encoding;
  std::vector<std::string> collectors;  // empty = all
};

// agent -> hub: the answer to one scrape.
struct ScrapeReply {
  uint64_t id = 0;
  int status = 200;
  StringPairs headers;  // Content-Type, Content-Encoding (others are ignored by the hub)
  std::string body;
};

using Frame = std::variant<Hello, Accepted, Refused, ScrapeRequest, ScrapeReply>;

struct EncodedFrame {
  std::string bytes;
  bool binary = false;  // send as a binary WebSocket message
};

EncodedFrame encode_frame(const Frame& frame);

// Decodes one WebSocket message; nullopt with `error` (one line) when it is
// not a valid frame of this protocol.
std::optional<Frame> decode_frame(std::string_view message, bool binary, std::string& error,
                                  const FrameLimits& limits = {});

}  // namespace pe::host::dialin
