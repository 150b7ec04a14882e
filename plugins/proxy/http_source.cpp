// http_source.cpp — collect from an HTTP(S) target.
#include "http_source.hpp"

#include <algorithm>
#include <chrono>

#include "exposition_check.hpp"
#include "plugin_exporter/exposition/exposition_format.hpp"

namespace pe::proxy {
namespace {

constexpr int64_t kMaxIdleNs = 50'000'000'000;  // under nginx's 75s and Go's usual idle timeouts
constexpr int64_t kDeadlineMarginNs = 100'000'000;

// One line of a backend's error body, fit for a reason.
std::string first_line(std::string_view body) {
  std::string out;
  for (char c : body) {
    if (c == '\n' && !out.empty()) break;
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out += c;
    if (out.size() >= 200) {
      out += "...";
      break;
    }
  }
  return out;
}

std::string describe_status(const FetchResult& r, std::string_view body, const std::string& url) {
  std::string s = "backend " + url + " answered HTTP " + std::to_string(r.status);
  if (!r.reason_phrase.empty()) s += " " + r.reason_phrase;
  if (r.status >= 300 && r.status < 400) {
    s += r.location.empty() ? "" : " (to " + r.location + ")";
    return s + "; redirects are not followed: configure the final URL";
  }
  if (r.status == 401 || r.status == 403) s += "; check basic_auth / bearer_token";
  std::string line = first_line(body);
  if (!line.empty()) s += ": " + line;
  return s;
}

bool is_protobuf(std::string_view content_type) {
  return content_type.find("application/vnd.google.protobuf") != std::string_view::npos;
}

}  // namespace

Endpoint HttpSource::endpoint_of(const HttpTarget& t) {
  Endpoint e;
  e.host = t.host;
  e.port = t.port;
  e.display = (t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host) + ":" +
              std::to_string(t.port);
  if (t.https) {
    e.tls = make_tls_context(t.tls);
    e.tls_server_name = t.tls.server_name.empty() ? t.host : t.tls.server_name;
  }
  return e;
}

HttpSource::HttpSource(const HttpTarget& target, const ProxyConfig& config,
                       pe::MonotonicClock clock)
    : ssl_(target.https ? std::optional<SslLibrary>(std::in_place) : std::nullopt),
      url_(target.url),
      request_(target),
      pool_(target.max_idle_connections, kMaxIdleNs, clock),
      fetcher_(endpoint_of(target), pool_, config.max_response_bytes),
      drop_invalid_lines_(config.drop_invalid_lines),
      clock_(clock) {}

pe_status HttpSource::collect(const CollectRequest& req, MetricSink& sink) {
  // Finish a little before the host's deadline so that our reason ("timed
  // out reading the response of ... after N body bytes") reaches the host
  // before it gives up with a bare "timed out".
  int64_t left = req.deadline_monotonic_ns - clock_();
  Deadline deadline(
      req.deadline_monotonic_ns - std::clamp<int64_t>(left / 10, 0, kDeadlineMarginNs), clock_);
  std::string request, body;
  request_.render(req.params, static_cast<double>(deadline.remaining_ns()) / 1e9, request);
  FetchResult r;
  try {
    r = fetcher_.fetch(request, deadline, body);
  } catch (const CollectFailure&) {
    sink.stat("http_status_code", 0, "HTTP status of the backend's last response (0: none).");
    throw;
  }
  sink.stat("http_status_code", r.status, "HTTP status of the backend's last response (0: none).");
  sink.stat("response_size_bytes", static_cast<double>(body.size()),
            "Size of the backend's last response body, uncompressed.");
  if (r.status != 200) throw CollectFailure(PE_ERROR, describe_status(r, body, url_));
  if (is_protobuf(r.content_type))
    throw CollectFailure(PE_ERROR, "backend " + url_ + " answered protobuf (" + r.content_type +
                                       "), which was not asked for");
  pe_format format = format_from_content_type(r.content_type) == ExpositionFormat::openmetrics
                         ? PE_FORMAT_OPENMETRICS
                         : PE_FORMAT_TEXT;
  pe_status st = sink.text(body, format, drop_invalid_lines_);
  if (st == PE_ERROR && !drop_invalid_lines_) {
    if (auto why = explain_parse_failure(body, format))
      sink.error("response of " + url_ + " is not valid " +
                 (format == PE_FORMAT_OPENMETRICS ? "OpenMetrics" : "text exposition format") +
                 " at " + *why);
  }
  return st;
}

}  // namespace pe::proxy
