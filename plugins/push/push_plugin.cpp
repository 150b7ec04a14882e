// push_plugin.cpp — the "push" collector plugin: a push gateway inside the
// exporter. The entry: the configuration (config/), the wiring of the store
// — taken over from a predecessor on reload, recovered from its state
// directory, or in memory (store_handover) — to the HTTP API (api/), the
// maintenance thread (push_maintenance) and the scrape (store/scrape_emitter,
// push_self_metrics), and the plugin's descriptor.
//
// Thread-safety: handle_http() runs on the host's HTTP threads concurrently
// with collect(); both reach the store, which serialises its changes.
#include <memory>
#include <stdexcept>
#include <string>

#include "api/push_api.hpp"
#include "api/push_stats.hpp"
#include "config/push_config.hpp"
#include "durable/state_directory.hpp"
#include "plugin_exporter/plugin.hpp"
#include "push_maintenance.hpp"
#include "push_self_metrics.hpp"
#include "store/metric_store.hpp"
#include "store/scrape_emitter.hpp"
#include "store_handover.hpp"

namespace pe::push {
namespace {

class PushPlugin : public pe::PluginInstance {
 public:
  explicit PushPlugin(pe::CreateContext& ctx)
      : api_(ctx.api),
        log_(ctx.log),
        config_(read_push_config(ctx.config, ctx.state_dir)),
        shared_(take_over_or_new(ctx)),
        store_(shared_->store) {
    if (ctx.config.has_errors()) return;
    if (ctx.check_only) {  // the host checks that no other collector serves these routes
      register_routes(ctx);
      return;
    }
    if (taken_over_) {
      // A reload recreated this collector: the predecessor's live store is
      // served on without a gap (store_handover.hpp).
      log_.info("push store taken over from the previous instance of this collector (" +
                config_.state_dir + ")");
    } else if (config_.durability != Durability::none) {
      open_state_directory(shared_, config_, log_, api_->realtime_ms);
    } else {
      log_.info(
          "push store is in memory only (no state directory): pushes do not survive a restart");
    }
    state_ = shared_->state.get();
    http_ = std::make_unique<PushApi>(config_, store_, state_ ? state_->wal() : nullptr, stats_,
                                      api_, log_);
    register_routes(ctx);
    maintenance_ = std::make_unique<Maintenance>(store_, state_, config_, api_, log_);
  }

  ~PushPlugin() override {
    maintenance_.reset();
    http_.reset();
    // A successor that took the store over compacts it from now on.
    if (state_ && shared_.use_count() == 1) {
      std::string error;
      if (!state_->compact(store_, error)) log_.warn("final compaction failed: " + error);
    }
  }

  pe_status collect(const pe::CollectRequest&, pe::MetricSink& sink) override {
    const int64_t now = api_->realtime_ms();
    uint64_t ticket = 0;
    store_.expire(now, ticket);
    std::vector<GroupPtr> groups = store_.snapshot(now);
    if (emit_groups(groups, api_, sink.raw()) == PE_LIMIT_EXCEEDED)
      throw pe::CollectFailure(PE_ERROR, "the host's sample limit for this collector was reached");
    emit_self_metrics(sink, groups, {store_, stats_, config_, state_, shared_->recovery});
    return PE_OK;
  }

  pe_status handle_http(const pe::HttpRequest& request, pe::HttpResponse& response) override {
    if (!http_) return PE_UNAVAILABLE;
    http_->handle(request, response);
    return PE_OK;
  }

 private:
  std::shared_ptr<DurableStore> take_over_or_new(const pe::CreateContext& ctx) {
    if (!ctx.check_only && !ctx.config.has_errors() && config_.durability != Durability::none) {
      if (auto live = find_live_store(config_.state_dir, store_settings(config_))) {
        taken_over_ = true;
        return live;
      }
    }
    return std::make_shared<DurableStore>(config_);
  }

  void register_routes(pe::CreateContext& ctx) {
    for (const auto& r : PushApi::routes(config_.path_prefix)) {
      pe_route route{};
      route.struct_size = sizeof route;
      route.method = r.method;
      route.path_prefix = r.path.c_str();
      route.role = r.role;
      route.max_body_bytes = config_.max_body_bytes;
      if (ctx.api->register_route(ctx.host, &route) != PE_OK)
        throw std::runtime_error(std::string("cannot register route ") + r.method + " " + r.path);
    }
  }

  const pe_host_api* api_;
  HostLog log_;
  PushConfig config_;
  bool taken_over_ = false;
  std::shared_ptr<DurableStore> shared_;  // shared with a predecessor/successor on reload
  MetricStore& store_;
  PushStats stats_;
  StateDirectory* state_ = nullptr;  // shared_->state
  std::unique_ptr<PushApi> http_;
  std::unique_ptr<Maintenance> maintenance_;
};

}  // namespace
}  // namespace pe::push

PE_DEFINE_CPP_PLUGIN(pe::push::PushPlugin, "push", "1.0.0",
                     "Push gateway: pushgateway-compatible API, aggregation, TTL, durable store",
                     PE_CAP_HTTP_ROUTES)
