// http_exchange.cpp — request parsing and response sending over Poco.
#include "http/http_exchange.hpp"

#include <Poco/URI.h>

#include <istream>

#include "http/connection_watchdog.hpp"
#include "plugin_exporter/exposition/gzip_decoder.hpp"

namespace pe::host {

HttpExchange::HttpExchange(Poco::Net::HTTPServerRequest& request,
                           Poco::Net::HTTPServerResponse& response,
                           const std::vector<std::pair<std::string, std::string>>* headers,
                           std::chrono::nanoseconds body_timeout)
    : request_(request), response_(response), headers_(headers), body_timeout_(body_timeout) {
  const std::string& uri = request.getURI();
  auto q = uri.find('?');
  raw_path_ = uri.substr(0, q);
  if (q != std::string::npos) {
    raw_query_ = uri.substr(q + 1);
    try {
      Poco::URI parsed(uri);
      for (auto& kv : parsed.getQueryParameters()) {
        // The ABI passes parameters as C strings: a NUL would cut a value
        // short after validation could see all of it.
        if (kv.first.find('\0') != std::string::npos || kv.second.find('\0') != std::string::npos) {
          query_error_ = "query parameter contains a NUL byte";
          query_.clear();
          break;
        }
        query_.push_back(std::move(kv));
      }
    } catch (const std::exception& e) {
      query_error_ = std::string("malformed query string: ") + e.what();
    }
  }
}

bool HttpExchange::read_body(uint64_t limit, std::string& body) {
  body.clear();
  // RFC 9112 6.3: a request with neither Content-Length nor chunked
  // Transfer-Encoding has no body (`curl -X PATCH url`).
  if (!request_.hasContentLength() && !request_.getChunkedTransferEncoding()) return true;
  std::streamsize declared = request_.getContentLength64();
  if (declared != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
      static_cast<uint64_t>(declared) > limit) {
    send_text(413, "request body of " + std::to_string(declared) + " bytes exceeds the limit of " +
                       std::to_string(limit) + " bytes");
    return false;
  }
  // A body trickling in slower than the body timeout closes the connection.
  ConnectionGuard* guard = ConnectionGuard::current();
  if (guard) guard->arm(body_timeout_);
  struct Disarm {
    ConnectionGuard* g;
    ~Disarm() {
      if (g) g->disarm();
    }
  } disarm{guard};
  std::istream& in = request_.stream();
  body.clear();
  char buf[16384];
  while (in) {
    in.read(buf, sizeof buf);
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    if (body.size() + static_cast<uint64_t>(n) > limit) {
      send_text(413, "request body exceeds the limit of " + std::to_string(limit) + " bytes");
      return false;
    }
    body.append(buf, static_cast<std::size_t>(n));
  }
  if (in.bad()) {
    send_text(400, "could not read the request body");
    return false;
  }
  return true;
}

bool HttpExchange::accepts_gzip() const {
  std::string ae = request_.get("Accept-Encoding", "");
  // "gzip" listed without q=0.
  std::size_t pos = 0;
  while (pos < ae.size()) {
    std::size_t end = ae.find(',', pos);
    std::string item = ae.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? ae.size() : end + 1;
    auto semi = item.find(';');
    std::string coding = item.substr(0, semi);
    coding.erase(0, coding.find_first_not_of(" \t"));
    coding.erase(coding.find_last_not_of(" \t") + 1);
    if (coding != "gzip" && coding != "x-gzip") continue;
    if (semi != std::string::npos) {
      std::string params = item.substr(semi + 1);
      auto qpos = params.find("q=");
      if (qpos != std::string::npos && std::strtod(params.c_str() + qpos + 2, nullptr) <= 0)
        return false;
    }
    return true;
  }
  return false;
}

void HttpExchange::send(int status, std::string_view content_type, std::string body,
                        bool compressible,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
  bool gzipped = false;
  if (compressible && body.size() > 1024 && accepts_gzip()) {
    std::string gz;
    gzip_compress(body, gz, 1);
    body.swap(gz);
    gzipped = true;
  }
  send_bytes(status, content_type, body, gzipped, compressible, headers);
}

void HttpExchange::send_prepared(int status, std::string_view content_type,
                                 const std::string& body, bool gzipped, bool compressible) {
  send_bytes(status, content_type, body, gzipped, compressible, {});
}

void HttpExchange::send_bytes(int status, std::string_view content_type, std::string_view body,
                              bool gzipped, bool compressible,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
  status_ = status;
  response_.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response_.setContentType(std::string(content_type));
  if (headers_)
    for (const auto& [k, v] : *headers_) response_.set(k, v);
  for (const auto& [k, v] : headers) response_.set(k, v);
  if (gzipped) response_.set("Content-Encoding", "gzip");
  if (compressible) response_.set("Vary", "Accept-Encoding");
  response_.setContentLength64(static_cast<Poco::Int64>(body.size()));
  if (request_.getMethod() == "HEAD") {
    response_.send();
    return;
  }
  response_.sendBuffer(body.data(), body.size());
}

void HttpExchange::send_text(int status, std::string_view text) {
  std::string body(text);
  body += '\n';
  send(status, "text/plain; charset=utf-8", std::move(body));
}

}  // namespace pe::host
