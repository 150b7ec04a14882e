// http_fetcher.cpp — the request/response exchange with one backend.
#include "http_fetcher.hpp"

#include <optional>

#include "http_response_parser.hpp"
#include "plugin_exporter/exposition/gzip_decoder.hpp"
#include "plugin_exporter/plugin.hpp"

namespace pe::proxy {
namespace {

constexpr std::size_t kReadSize = 64 * 1024;
constexpr std::size_t kErrorExcerptBytes = 512;  // of a non-200 body, for the reason

enum class Encoding { unknown, identity, gzip };

// How the response body is decoded, decided once its head arrived: as it
// is, gunzipped (also an error's excerpt), or — an error status in an
// unknown encoding — not at all (no excerpt). One exchange's state.
struct BodyDecoding {
  Encoding encoding = Encoding::unknown;
  std::optional<GzipDecoder> gunzip;
  std::string scratch;  // body bytes before the encoding is known, or still compressed
  bool error_status = false;
  bool excerpt_done = false;

  void choose(const ResponseHead& head, std::size_t max_body_bytes, const std::string& backend) {
    error_status = head.status != 200;
    const std::string& ce = head.content_encoding;
    if (ce.empty() || ce == "identity") {
      encoding = Encoding::identity;
    } else if (ce == "gzip" || ce == "x-gzip" || ce == "deflate") {
      encoding = Encoding::gzip;
      gunzip.emplace(error_status ? kErrorExcerptBytes : max_body_bytes);
    } else if (error_status) {
      encoding = Encoding::identity;
      excerpt_done = true;  // cannot show an excerpt of an unknown encoding
    } else {
      throw CollectFailure(
          PE_ERROR,
          "backend " + backend + " answered with unsupported Content-Encoding \"" + ce + "\"");
    }
  }

  // Moves the bytes waiting in scratch into body (decompressed for gzip).
  void drain(std::string& body, std::size_t max_body_bytes, const std::string& backend) {
    if (encoding == Encoding::unknown || scratch.empty()) return;
    if (encoding == Encoding::identity) {
      if (!excerpt_done) body.append(scratch);
    } else if (!gunzip->feed(scratch, body)) {
      if (!error_status) {
        bool too_large = body.size() > max_body_bytes;
        throw CollectFailure(too_large ? PE_LIMIT_EXCEEDED : PE_ERROR,
                             "gzip response body of " + backend + ": " + gunzip->error());
      }
      excerpt_done = true;
    }
    scratch.clear();
  }
};

std::string progress(const HttpResponseParser& parser) {
  if (!parser.head_complete()) return " (no complete response header yet)";
  return " (after " + std::to_string(parser.body_bytes()) + " body bytes)";
}

}  // namespace

HttpFetcher::Attempt HttpFetcher::exchange(std::unique_ptr<HttpConnection> connection, bool reused,
                                           std::string_view request, const Deadline& deadline,
                                           std::string& body, FetchResult& result) {
  result = FetchResult{};
  result.reused_connection = reused;
  body.clear();
  try {
    connection->send_all(request, deadline);
  } catch (const CollectFailure& f) {
    if (reused && f.status() == PE_ERROR) return Attempt::retry;
    throw;
  }

  HttpResponseParser parser(ResponseLimits{64 * 1024, max_body_bytes_});
  BodyDecoding d;
  bool extra_bytes = false;
  uint64_t received = 0;
  char buffer[kReadSize];

  for (;;) {
    std::size_t n = 0;
    try {
      n = connection->receive(buffer, sizeof buffer, deadline);
    } catch (const CollectFailure& f) {
      if (reused && received == 0 && f.status() == PE_ERROR) return Attempt::retry;
      if (d.error_status) break;  // the status is the news, not the rest of its body
      throw CollectFailure(f.status(), f.what() + progress(parser));
    }
    if (n == 0) {
      if (reused && received == 0) return Attempt::retry;  // closed while idle
      parser.end_of_stream();
    } else {
      received += n;
      std::string_view data(buffer, n);
      std::size_t used = parser.feed(data, d.encoding == Encoding::identity ? body : d.scratch);
      if (used < n && parser.complete()) extra_bytes = true;  // more than one response: don't reuse
    }

    if (d.encoding == Encoding::unknown && parser.head_complete()) {
      const ResponseHead& head = parser.head();
      result.status = head.status;
      result.reason_phrase = head.reason;
      result.content_type = head.content_type;
      result.location = head.location;
      d.choose(head, max_body_bytes_, endpoint_.display);
    }
    d.drain(body, max_body_bytes_, endpoint_.display);
    if (parser.failed()) {
      if (d.error_status) break;  // the status says enough
      throw CollectFailure(
          parser.failure() == HttpResponseParser::Failure::too_large ? PE_LIMIT_EXCEEDED : PE_ERROR,
          "backend " + endpoint_.display + ": " + parser.error());
    }
    if (parser.complete()) break;
    if (d.error_status && (d.excerpt_done || body.size() >= kErrorExcerptBytes)) break;
  }

  result.wire_body_bytes = parser.body_bytes();
  if (!d.error_status && d.encoding == Encoding::gzip && !d.gunzip->finish()) {
    throw CollectFailure(PE_ERROR,
                         "gzip response body of " + endpoint_.display + ": " + d.gunzip->error());
  }
  if (d.error_status && body.size() > kErrorExcerptBytes) body.resize(kErrorExcerptBytes);
  if (parser.complete() && parser.reusable() && !extra_bytes) {
    ++connection->exchanges;
    pool_.give_back(std::move(connection));
  }
  return Attempt::done;
}

FetchResult HttpFetcher::fetch(std::string_view request, const Deadline& deadline,
                               std::string& body) {
  FetchResult result;
  std::unique_ptr<HttpConnection> connection = pool_.take();
  bool reused = connection != nullptr;
  for (;;) {
    if (!connection) connection = HttpConnection::open(endpoint_, deadline);
    if (exchange(std::move(connection), reused, request, deadline, body, result) == Attempt::done)
      return result;
    reused = false;  // the kept-alive connection was stale: once more on a fresh one
  }
}

}  // namespace pe::proxy
