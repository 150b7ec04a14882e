// http_exchange.hpp — one request/response pair with the helpers every
// endpoint needs: query parameters, headers, bounded body reading, gzip
// negotiation, and sending a complete answer (status recorded for metrics).
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pe::host {

class HttpExchange {
 public:
  // `headers`: added to every response (security headers from [web.headers]).
  HttpExchange(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
               const std::vector<std::pair<std::string, std::string>>* headers = nullptr,
               std::chrono::nanoseconds body_timeout = std::chrono::seconds(60));

  Poco::Net::HTTPServerRequest& request() noexcept { return request_; }
  const std::string& method() const noexcept { return request_.getMethod(); }
  const std::string& raw_path() const noexcept { return raw_path_; }  // not percent-decoded
  const std::string& raw_query() const noexcept { return raw_query_; }
  // Decoded query parameters, in order (a key may repeat).
  const std::vector<std::pair<std::string, std::string>>& query() const noexcept { return query_; }
  // Why the query string could not be decoded (bad escape, NUL byte), or "".
  const std::string& query_error() const noexcept { return query_error_; }
  std::string header(const std::string& name) const { return request_.get(name, ""); }

  // Reads the whole body up to `limit` bytes within the body timeout; false
  // (after answering 413 or 400) when it is larger, too slow or unreadable.
  bool read_body(uint64_t limit, std::string& body);

  bool accepts_gzip() const;

  // Sends a complete response. `body` is gzip-compressed when `compressible`
  // and the client accepts it. HEAD requests get the headers only.
  void send(int status, std::string_view content_type, std::string body, bool compressible = false,
            const std::vector<std::pair<std::string, std::string>>& headers = {});
  void send_text(int status, std::string_view text);  // text/plain, text + "\n"
  // Sends a body prepared elsewhere (possibly gzip-compressed already);
  // `body` is not copied.
  void send_prepared(int status, std::string_view content_type, const std::string& body,
                     bool gzipped, bool compressible);

  int status_sent() const noexcept { return status_; }
  bool sent() const noexcept { return status_ != 0; }

 private:
  Poco::Net::HTTPServerRequest& request_;
  Poco::Net::HTTPServerResponse& response_;
  std::string raw_path_;
  std::string raw_query_;
  std::vector<std::pair<std::string, std::string>> query_;
  std::string query_error_;
  void send_bytes(int status, std::string_view content_type, std::string_view body, bool gzipped,
                  bool compressible, const std::vector<std::pair<std::string, std::string>>& headers);
  const std::vector<std::pair<std::string, std::string>>* headers_;
  std::chrono::nanoseconds body_timeout_;
  int status_ = 0;
};

}  // namespace pe::host
