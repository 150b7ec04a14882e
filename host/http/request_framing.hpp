// request_framing.hpp — the checks on a request's framing that Beast's parser
// leaves to the application: exactly one Content-Length field, and a
// Transfer-Encoding (if any) that is exactly "chunked". Together with the
// parser's own refusals (bad or conflicting lengths, Content-Length beside
// Transfer-Encoding, bad chunks) no ambiguous or truncated body reaches an
// endpoint. Included only by the server and the framing fuzz target (it
// brings Beast's HTTP headers).
#pragma once

#include <boost/beast/http/message.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace pe::host {

// "" when the header's framing is acceptable, else what is wrong.
std::string framing_problem(const boost::beast::http::request_header<>& header);

// Parses `bytes` as one request the way a connection does (header limit,
// body limit, framing checks) and says what the server would do with it:
// "" when a complete request was framed, else the reason for refusing it.
// For the fuzz target and the unit tests.
std::string frame_request(std::string_view bytes, uint32_t max_header_bytes, uint64_t body_limit);

}  // namespace pe::host
