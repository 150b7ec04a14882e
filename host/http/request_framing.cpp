// request_framing.cpp — framing checks on top of Beast's request parser.
#include "http/request_framing.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace pe::host {

namespace http = boost::beast::http;

std::string framing_problem(const http::request_header<>& header) {
  std::size_t lengths = 0;
  for (const auto& f : header) {
    if (f.name() == http::field::content_length && ++lengths > 1)
      return "more than one Content-Length field";
    if (f.name() == http::field::transfer_encoding && !boost::beast::iequals(f.value(), "chunked"))
      return "Transfer-Encoding other than \"chunked\" (" + std::string(f.value()) + ")";
  }
  return {};
}

std::string frame_request(std::string_view bytes, uint32_t max_header_bytes, uint64_t body_limit) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(max_header_bytes);
  parser.body_limit(body_limit);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (used < bytes.size() && !parser.is_done()) {
    std::size_t n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == http::error::need_more) break;
    if (ec) return ec.message();
    if (parser.is_header_done()) {
      std::string problem = framing_problem(parser.get().base());
      if (!problem.empty()) return problem;
    }
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done()) {
    // The client closed here: a body shorter than announced is refused.
    parser.put_eof(ec);
    if (ec) return ec.message();
    if (!parser.is_done()) return "incomplete request";
  }
  return {};
}

}  // namespace pe::host
