// http_response_parser.hpp — an incremental, bounded parser of one HTTP/1.x
// response as a backend sends it: status line, header section, then the body
// framed by Content-Length, chunked transfer coding, or the end of the
// connection. It never trusts the backend: every size is capped, every
// framing error and every early end of the connection is reported with what
// was expected, so a truncated response can never pass for a complete one.
// Bytes in, de-chunked (still content-encoded) body bytes out; no I/O here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pe::proxy {

// What the header section said, once it is complete.
struct ResponseHead {
  int version_minor = 1;   // HTTP/1.<minor>
  int status = 0;          // 100..999
  std::string reason;      // reason phrase as sent
  std::string content_type;
  std::string content_encoding;  // lower-cased, "" when absent
  std::string location;          // for the reason of a redirect
  std::optional<uint64_t> content_length;
  bool chunked = false;
  bool connection_close = false;  // "Connection: close" or HTTP/1.0 without keep-alive
};

struct ResponseLimits {
  std::size_t max_header_bytes = 64 * 1024;  // status line + header fields
  std::size_t max_body_bytes = 0;            // body as framed on the wire; 0 = unlimited
};

class HttpResponseParser {
 public:
  enum class State { head, body, complete, failed };
  // Why the parse failed: the limit on the body (or the header section), or
  // anything else the backend got wrong.
  enum class Failure { none, malformed, too_large };

  explicit HttpResponseParser(ResponseLimits limits) : limits_(limits) {}

  // Consumes bytes received from the backend and appends body bytes to
  // `body`. Returns how many bytes of `data` belong to this response; fewer
  // than data.size() only once complete (the rest would be a next response)
  // or failed.
  std::size_t feed(std::string_view data, std::string& body);

  // The backend closed the connection. Completes a body delimited by the
  // close; anything else unfinished fails ("closed after N of M bytes").
  void end_of_stream();

  State state() const noexcept { return state_; }
  bool complete() const noexcept { return state_ == State::complete; }
  bool failed() const noexcept { return state_ == State::failed; }
  Failure failure() const noexcept { return failure_; }
  const std::string& error() const noexcept { return error_; }
  bool head_complete() const noexcept { return state_ != State::head && head_done_; }
  const ResponseHead& head() const noexcept { return head_; }
  // Body bytes as framed on the wire (chunk payloads, without chunk syntax).
  uint64_t body_bytes() const noexcept { return body_bytes_; }
  // Whether the connection can carry another request after this response.
  bool reusable() const noexcept;

 private:
  enum class Framing { none, length, chunked, until_close };
  enum class Chunk { size_line, data, data_crlf, trailer };

  std::size_t feed_head(std::string_view data);
  bool parse_head();
  bool header_field(std::string_view name, std::string_view value);
  std::size_t feed_body(std::string_view data, std::string& body);
  std::size_t feed_chunked(std::string_view data, std::string& body);
  bool chunk_size_line(std::string_view line);
  bool append_body(std::string_view bytes, std::string& body);
  void fail(Failure why, std::string message);

  ResponseLimits limits_;
  State state_ = State::head;
  Failure failure_ = Failure::none;
  std::string error_;
  ResponseHead head_;
  bool head_done_ = false;
  std::string head_buf_;  // the header section until its blank line
  Framing framing_ = Framing::none;
  uint64_t body_bytes_ = 0;
  // chunked decoding
  Chunk chunk_ = Chunk::size_line;
  std::string line_;       // the current chunk-size or trailer line
  uint64_t chunk_left_ = 0;
  std::size_t trailer_bytes_ = 0;
};

}  // namespace pe::proxy
