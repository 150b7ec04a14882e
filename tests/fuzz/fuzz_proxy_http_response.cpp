// fuzz_proxy_http_response.cpp — the proxy plugin's HTTP/1.x response parser
// on arbitrary backend bytes, fed in two pieces split where the first byte
// says, with small limits. Checks its promises: it never consumes more than
// it is given, the body it hands out is exactly what it counted, the limit
// holds, a Content-Length body is complete only at its declared size, and
// every failure has a reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http_response_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::size_t split = size > 1 ? data[0] % size : 0;
  std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  pe::proxy::ResponseLimits limits{512, 4096};
  pe::proxy::HttpResponseParser parser(limits);
  std::string body;
  std::size_t consumed = 0;
  for (std::string_view piece :
       {wire.substr(0, split), wire.substr(std::min(split, wire.size()))}) {
    std::size_t used = parser.feed(piece, body);
    if (used > piece.size()) std::abort();
    consumed += used;
    if (used < piece.size() && !parser.complete() && !parser.failed()) std::abort();
    if (used < piece.size()) break;
  }
  if (consumed > wire.size()) std::abort();
  parser.end_of_stream();
  if (!parser.complete() && !parser.failed()) std::abort();
  if (parser.failed() && parser.error().empty()) std::abort();
  if (body.size() != parser.body_bytes()) std::abort();
  if (body.size() > limits.max_body_bytes) std::abort();
  if (parser.complete() && parser.head().content_length && !parser.head().chunked &&
      parser.head().status != 204 && parser.head().status != 304 &&
      body.size() != *parser.head().content_length)
    std::abort();
  return 0;
}
