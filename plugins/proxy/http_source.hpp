// http_source.hpp — a proxy collector whose source is an HTTP(S) endpoint:
// one GET per collect over a kept-alive connection, bounded by the collect's
// deadline and the size limit; the body goes to the host's exposition parser
// in one piece (sink.text), with figures about the exchange as collector
// stats.
#pragma once

#include <optional>
#include <string>

#include "connection_pool.hpp"
#include "http_fetcher.hpp"
#include "http_request.hpp"
#include "proxy_config.hpp"
#include "source.hpp"
#include "tls_context.hpp"

namespace pe::proxy {

class HttpSource : public Source {
 public:
  // Loads the TLS context (reads the certificate files; throws
  // std::runtime_error naming the problem). Opens no socket. Deadlines and
  // idle ages are on `clock` (the host's: api->monotonic_ns).
  HttpSource(const HttpTarget& target, const ProxyConfig& config, pe::MonotonicClock clock);
  pe_status collect(const CollectRequest& request, MetricSink& sink) override;

 private:
  static Endpoint endpoint_of(const HttpTarget& target);

  std::optional<SslLibrary> ssl_;  // before the endpoint's context
  std::string url_;
  HttpRequest request_;
  ConnectionPool pool_;
  HttpFetcher fetcher_;
  bool drop_invalid_lines_;
  pe::MonotonicClock clock_;
};

}  // namespace pe::proxy
