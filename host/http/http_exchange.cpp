// http_exchange.cpp — query decoding, header lookup, gzip negotiation and
// response assembly; the bytes go out through the connection's channel.
#include "http/http_exchange.hpp"

#include <Poco/URI.h>

#include <cstdlib>

#include "plugin_exporter/exposition/gzip_decoder.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host {

HttpExchange::HttpExchange(HttpRequest request, std::shared_ptr<ExchangeChannel> channel)
    : request_(std::move(request)), channel_(std::move(channel)) {
  const std::string& uri = request_.target;
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

std::string HttpExchange::header(std::string_view name) const {
  for (const auto& [k, v] : request_.headers)
    if (iequals(k, name)) return v;
  return {};
}

void HttpExchange::read_body(uint64_t limit, std::function<void(std::string body)> done) {
  if (!request_.has_body) {
    done(std::string());
    return;
  }
  if (request_.body && request_.body->size() <= limit) {
    // Read with the headers: no trip back to the connection's strand.
    std::string body = std::move(*request_.body);
    request_.body.reset();
    done(std::move(body));
    return;
  }
  channel_->read_body(limit, std::move(done));
}

bool HttpExchange::accepts_gzip() const {
  std::string ae = header("Accept-Encoding");
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

HttpResponse HttpExchange::start_response(int status, std::string_view content_type, bool gzipped,
                                          bool compressible, const HeaderList& headers) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", std::string(content_type));
  if (default_headers_)
    for (const auto& kv : *default_headers_) r.headers.push_back(kv);
  for (const auto& kv : headers) r.headers.push_back(kv);
  if (gzipped) r.headers.emplace_back("Content-Encoding", "gzip");
  if (compressible) r.headers.emplace_back("Vary", "Accept-Encoding");
  return r;
}

void HttpExchange::send(int status, std::string_view content_type, std::string body,
                        bool compressible, const HeaderList& headers) {
  bool gzipped = false;
  if (compressible && body.size() > 1024 && accepts_gzip()) {
    std::string gz;
    gzip_compress(body, gz, 1);
    body.swap(gz);
    gzipped = true;
  }
  HttpResponse r = start_response(status, content_type, gzipped, compressible, headers);
  r.body = std::move(body);
  finish(std::move(r));
}

void HttpExchange::send_prepared(int status, std::string_view content_type,
                                 std::shared_ptr<const std::string> body, bool gzipped,
                                 bool compressible) {
  HttpResponse r = start_response(status, content_type, gzipped, compressible, {});
  r.shared_body = std::move(body);
  finish(std::move(r));
}

void HttpExchange::send_text(int status, std::string_view text) {
  std::string body(text);
  body += '\n';
  send(status, "text/plain; charset=utf-8", std::move(body));
}

void HttpExchange::finish(HttpResponse response) {
  if (status_ != 0) return;  // answered already
  status_ = response.status;
  if (on_sent_) on_sent_(status_);
  channel_->respond(std::move(response), request_.method == "HEAD");
}

}  // namespace pe::host
