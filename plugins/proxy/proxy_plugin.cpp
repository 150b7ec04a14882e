// proxy_plugin.cpp — the proxy plugin: one collector = one source (an
// HTTP(S) exporter beside us, or a set of *.prom files), whose metrics the
// host labels, merges and serves with everything else. Declares
// PE_CAP_CONCURRENT_COLLECT: scrapes with different forwarded parameters
// (blackbox-style target=...) run side by side, each on its own pooled
// connection; equal parameters are still single-flighted by the host.
#include <memory>
#include <stdexcept>
#include <variant>

#include "file_source.hpp"
#include "http_source.hpp"
#include "plugin_exporter/plugin.hpp"
#include "proxy_config.hpp"

namespace {

class ProxyPlugin : public pe::PluginInstance {
 public:
  explicit ProxyPlugin(pe::CreateContext& ctx) {
    pe::proxy::ProxyConfig config = pe::proxy::read_proxy_config(ctx.config);
    if (ctx.config.has_errors() || ctx.check_only) return;
    if (auto* http = std::get_if<pe::proxy::HttpTarget>(&config.target)) {
      try {
        source_ = std::make_unique<pe::proxy::HttpSource>(*http, config, ctx.api->monotonic_ns);
      } catch (const std::exception& e) {
        ctx.config.error_at("tls", std::string("cannot set up TLS: ") + e.what());
      }
    } else if (auto* files = std::get_if<pe::proxy::FileTarget>(&config.target)) {
      source_ = std::make_unique<pe::proxy::FileSource>(*files, config);
    }
  }

  pe_status collect(const pe::CollectRequest& request, pe::MetricSink& sink) override {
    if (!source_) throw pe::CollectFailure(PE_ERROR, "collector created in check-only mode");
    return source_->collect(request, sink);
  }

 private:
  std::unique_ptr<pe::proxy::Source> source_;
};

}  // namespace

PE_DEFINE_CPP_PLUGIN(ProxyPlugin, "proxy", "1.0.0",
                     "Scrapes an exporter beside us (HTTP/HTTPS) or *.prom files, for the host to "
                     "label and merge",
                     PE_CAP_CONCURRENT_COLLECT)
