// http_fetcher.hpp — one GET exchange with a backend over a pooled
// connection: send, read the response through HttpResponseParser, undo gzip
// with the decompressed-size limit, and put the connection back when it can
// carry another request. A kept-alive connection the backend had closed
// meanwhile is detected (nothing at all came back) and the request is sent
// once more on a fresh connection; GET is idempotent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "connection_pool.hpp"
#include "deadline.hpp"

namespace pe::proxy {

struct FetchResult {
  int status = 0;
  std::string reason_phrase;
  std::string content_type;
  std::string location;       // of a redirect
  uint64_t wire_body_bytes = 0;  // as framed on the wire (compressed if gzip)
  bool reused_connection = false;
};

class HttpFetcher {
 public:
  HttpFetcher(Endpoint endpoint, ConnectionPool& pool, std::size_t max_body_bytes)
      : endpoint_(std::move(endpoint)), pool_(pool), max_body_bytes_(max_body_bytes) {}

  // Sends `request` and fills `body` with the decoded response body (for a
  // non-200 status: at most an excerpt). Throws pe::CollectFailure (PE_TIMEOUT,
  // PE_LIMIT_EXCEEDED for the size limits, PE_ERROR) with a clear reason.
  FetchResult fetch(std::string_view request, const Deadline& deadline, std::string& body);

  const Endpoint& endpoint() const noexcept { return endpoint_; }

 private:
  enum class Attempt { done, retry };
  Attempt exchange(std::unique_ptr<HttpConnection> connection, bool reused,
                   std::string_view request, const Deadline& deadline, std::string& body,
                   FetchResult& result);

  Endpoint endpoint_;
  ConnectionPool& pool_;
  std::size_t max_body_bytes_;
};

}  // namespace pe::proxy
