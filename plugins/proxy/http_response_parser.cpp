// http_response_parser.cpp — status line, header fields and body framing of
// an HTTP/1.x response (RFC 9112), strict where framing is concerned.
#include "http_response_parser.hpp"

#include <algorithm>
#include <charconv>

#include "plugin_exporter/text.hpp"

namespace pe::proxy {
namespace {

constexpr std::size_t kMaxChunkLine = 4096;

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

// Calls f(element) for each comma-separated, trimmed, non-empty element.
template <class F>
void for_each_list_element(std::string_view list, F&& f) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = trim(list.substr(0, comma));
    if (!item.empty()) f(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// A printable excerpt of untrusted bytes for an error message.
std::string excerpt(std::string_view s, std::size_t max = 60) {
  std::string out;
  for (char c : s.substr(0, max)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace

void HttpResponseParser::fail(Failure why, std::string message) {
  if (state_ == State::failed) return;
  state_ = State::failed;
  failure_ = why;
  error_ = std::move(message);
}

std::size_t HttpResponseParser::feed(std::string_view data, std::string& body) {
  std::size_t used = 0;
  while (used < data.size()) {
    if (state_ == State::head) {
      used += feed_head(data.substr(used));
    } else if (state_ == State::body) {
      used += feed_body(data.substr(used), body);
    } else {
      break;  // complete or failed
    }
  }
  return used;
}

std::size_t HttpResponseParser::feed_head(std::string_view data) {
  // Look for the blank line that ends the header section, starting a little
  // before the new bytes so a terminator split across reads is found.
  std::size_t old = head_buf_.size();
  std::size_t room = limits_.max_header_bytes > old ? limits_.max_header_bytes - old : 0;
  std::string_view take = data.substr(0, room + 1);  // one byte over the limit is enough to know
  head_buf_.append(take);
  std::size_t from = old >= 3 ? old - 3 : 0;
  std::size_t end = std::string::npos;
  for (std::size_t i = from; i < head_buf_.size(); ++i) {
    if (head_buf_[i] != '\n') continue;
    if (i >= 1 && head_buf_[i - 1] == '\n') {
      end = i + 1;
      break;
    }
    if (i >= 2 && head_buf_[i - 1] == '\r' && head_buf_[i - 2] == '\n') {
      end = i + 1;
      break;
    }
  }
  if (end == std::string::npos) {
    if (head_buf_.size() > limits_.max_header_bytes) {
      fail(Failure::too_large, "response header section exceeds " +
                                   std::to_string(limits_.max_header_bytes) + " bytes");
    }
    return take.size();
  }
  std::size_t consumed = end - old;
  head_buf_.resize(end);
  if (!parse_head()) return consumed;
  head_buf_.clear();
  if (head_.status >= 100 && head_.status < 200) {
    // An interim response (100 Continue, 103 Early Hints): the real one follows.
    if (head_.status == 101) {
      fail(Failure::malformed, "backend switched protocols (101), which a scrape cannot use");
      return consumed;
    }
    head_ = ResponseHead{};
    return consumed;
  }
  head_done_ = true;
  if (head_.status == 204 || head_.status == 304) {
    framing_ = Framing::none;
    state_ = State::complete;
  } else if (head_.chunked) {
    framing_ = Framing::chunked;
    state_ = State::body;
  } else if (head_.content_length) {
    framing_ = Framing::length;
    if (limits_.max_body_bytes && *head_.content_length > limits_.max_body_bytes) {
      fail(Failure::too_large, "response body of " + std::to_string(*head_.content_length) +
                                   " bytes (Content-Length) exceeds the limit of " +
                                   std::to_string(limits_.max_body_bytes) + " bytes");
      return consumed;
    }
    state_ = *head_.content_length == 0 ? State::complete : State::body;
  } else {
    framing_ = Framing::until_close;
    state_ = State::body;
  }
  return consumed;
}

bool HttpResponseParser::parse_head() {
  std::string_view rest = head_buf_;
  auto next_line = [&rest]() {
    std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  std::string_view status_line = next_line();
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
      status_line[7] < '0' || status_line[7] > '9' || status_line[8] != ' ') {
    fail(Failure::malformed, "not an HTTP/1.x response: \"" + excerpt(status_line) + "\"");
    return false;
  }
  head_.version_minor = status_line[7] - '0';
  std::string_view code = status_line.substr(9, 3);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      code[0] == '0' || (status_line.size() > 12 && status_line[12] != ' ')) {
    fail(Failure::malformed, "invalid status code in \"" + excerpt(status_line) + "\"");
    return false;
  }
  head_.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  if (status_line.size() > 13) head_.reason = excerpt(status_line.substr(13), 100);
  head_.connection_close = head_.version_minor == 0;

  for (;;) {
    std::string_view line = next_line();
    if (line.empty()) break;  // the blank line
    if (line.front() == ' ' || line.front() == '\t') {
      fail(Failure::malformed, "obsolete folded header line: \"" + excerpt(line) + "\"");
      return false;
    }
    std::size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    if (colon == std::string_view::npos || name.empty() ||
        !std::all_of(name.begin(), name.end(), is_token_char)) {
      fail(Failure::malformed, "malformed header line: \"" + excerpt(line) + "\"");
      return false;
    }
    std::string_view value = trim(line.substr(colon + 1));
    for (char c : value) {
      auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) {
        fail(Failure::malformed, "control character in header " + std::string(name));
        return false;
      }
    }
    if (!header_field(name, value)) return false;
  }
  if (head_.chunked && head_.content_length) {
    fail(Failure::malformed, "both Transfer-Encoding and Content-Length in the response");
    return false;
  }
  return true;
}

bool HttpResponseParser::header_field(std::string_view name, std::string_view value) {
  if (iequals(name, "content-length")) {
    uint64_t n = 0;
    bool ok = !value.empty() && value.size() <= 19;
    if (ok) {
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      ok = ec == std::errc() && p == value.data() + value.size();
    }
    if (!ok) {
      fail(Failure::malformed, "invalid Content-Length \"" + excerpt(value) + "\"");
      return false;
    }
    if (head_.content_length && *head_.content_length != n) {
      fail(Failure::malformed, "conflicting Content-Length headers");
      return false;
    }
    head_.content_length = n;
  } else if (iequals(name, "transfer-encoding")) {
    bool last_chunked = false, unsupported = false;
    for_each_list_element(value, [&](std::string_view coding) {
      if (last_chunked) unsupported = true;  // something after chunked
      if (iequals(coding, "chunked")) last_chunked = true;
      else unsupported = true;
    });
    if (unsupported || !last_chunked || head_.chunked) {
      fail(Failure::malformed, "unsupported Transfer-Encoding \"" + excerpt(value) + "\"");
      return false;
    }
    head_.chunked = true;
  } else if (iequals(name, "content-encoding")) {
    if (!head_.content_encoding.empty()) head_.content_encoding += ", ";
    head_.content_encoding += ascii_lower(value);
  } else if (iequals(name, "content-type")) {
    head_.content_type = std::string(value);
  } else if (iequals(name, "connection")) {
    for_each_list_element(value, [&](std::string_view option) {
      if (iequals(option, "close")) head_.connection_close = true;
      else if (iequals(option, "keep-alive") && head_.version_minor == 0)
        head_.connection_close = false;
    });
  } else if (iequals(name, "location")) {
    head_.location = excerpt(value, 200);
  }
  return true;
}

bool HttpResponseParser::append_body(std::string_view bytes, std::string& body) {
  if (limits_.max_body_bytes && body_bytes_ + bytes.size() > limits_.max_body_bytes) {
    fail(Failure::too_large, "response body exceeds the limit of " +
                                 std::to_string(limits_.max_body_bytes) + " bytes");
    return false;
  }
  body_bytes_ += bytes.size();
  body.append(bytes);
  return true;
}

std::size_t HttpResponseParser::feed_body(std::string_view data, std::string& body) {
  switch (framing_) {
    case Framing::length: {
      uint64_t left = *head_.content_length - body_bytes_;
      std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(left, data.size()));
      if (!append_body(data.substr(0, n), body)) return n;
      if (body_bytes_ == *head_.content_length) state_ = State::complete;
      return n;
    }
    case Framing::until_close:
      append_body(data, body);
      return data.size();
    case Framing::chunked:
      return feed_chunked(data, body);
    case Framing::none:
      break;
  }
  state_ = State::complete;
  return 0;
}

bool HttpResponseParser::chunk_size_line(std::string_view line) {
  std::size_t digits = 0;
  uint64_t size = 0;
  while (digits < line.size()) {
    char c = line[digits];
    int v = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (v < 0) break;
    if (digits >= 15) {
      fail(Failure::malformed, "chunk size too large: \"" + excerpt(line) + "\"");
      return false;
    }
    size = size * 16 + static_cast<uint64_t>(v);
    ++digits;
  }
  std::string_view rest = trim(line.substr(digits));
  if (digits == 0 || (!rest.empty() && rest.front() != ';')) {
    fail(Failure::malformed, "invalid chunk size line \"" + excerpt(line) + "\"");
    return false;
  }
  if (size == 0) {
    chunk_ = Chunk::trailer;
  } else {
    if (limits_.max_body_bytes && body_bytes_ + size > limits_.max_body_bytes) {
      fail(Failure::too_large, "response body exceeds the limit of " +
                                   std::to_string(limits_.max_body_bytes) + " bytes");
      return false;
    }
    chunk_left_ = size;
    chunk_ = Chunk::data;
  }
  return true;
}

std::size_t HttpResponseParser::feed_chunked(std::string_view data, std::string& body) {
  std::size_t used = 0;
  while (used < data.size() && state_ == State::body) {
    if (chunk_ == Chunk::data) {
      std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(chunk_left_, data.size() - used));
      if (!append_body(data.substr(used, n), body)) return used + n;
      used += n;
      chunk_left_ -= n;
      if (chunk_left_ == 0) chunk_ = Chunk::data_crlf;
      continue;
    }
    // The other states read a line: a chunk size, the CRLF after chunk data,
    // or a trailer field.
    std::string_view rest = data.substr(used);
    std::size_t nl = rest.find('\n');
    std::string_view piece = rest.substr(0, nl == std::string_view::npos ? rest.size() : nl + 1);
    used += piece.size();
    if (chunk_ == Chunk::trailer) trailer_bytes_ += piece.size();
    if (line_.size() + piece.size() > kMaxChunkLine ||
        trailer_bytes_ > limits_.max_header_bytes) {
      fail(Failure::malformed, "chunk framing line too long");
      return used;
    }
    line_.append(piece);
    if (nl == std::string_view::npos) continue;  // line not finished yet
    std::string_view line = line_;
    line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    switch (chunk_) {
      case Chunk::size_line:
        if (!chunk_size_line(line)) return used;
        break;
      case Chunk::data_crlf:
        if (!line.empty()) {
          fail(Failure::malformed, "chunk data longer than its declared size");
          return used;
        }
        chunk_ = Chunk::size_line;
        break;
      case Chunk::trailer:
        if (line.empty()) state_ = State::complete;
        break;
      case Chunk::data:
        break;
    }
    line_.clear();
  }
  return used;
}

void HttpResponseParser::end_of_stream() {
  if (state_ == State::complete || state_ == State::failed) return;
  if (state_ == State::head) {
    fail(Failure::malformed, head_buf_.empty()
                                 ? "connection closed before a response arrived"
                                 : "connection closed inside the response header");
    return;
  }
  switch (framing_) {
    case Framing::until_close:
    case Framing::none:
      state_ = State::complete;
      return;
    case Framing::length:
      fail(Failure::malformed, "connection closed after " + std::to_string(body_bytes_) + " of " +
                                   std::to_string(*head_.content_length) + " body bytes");
      return;
    case Framing::chunked:
      fail(Failure::malformed, "connection closed inside the chunked body after " +
                                   std::to_string(body_bytes_) + " bytes");
      return;
  }
}

bool HttpResponseParser::reusable() const noexcept {
  return state_ == State::complete && !head_.connection_close &&
         framing_ != Framing::until_close;
}

}  // namespace pe::proxy
