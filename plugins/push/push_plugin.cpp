// push_plugin.cpp — the "push" collector plugin: a push gateway inside the
// exporter. create() reads the configuration, recovers the state directory
// (if any) and registers the HTTP routes; handle_http() serves them on the
// host's HTTP threads (PushApi); collect() exposes the store and the
// gateway's own metrics; a maintenance thread expires groups whose TTL ran
// out and compacts the write-ahead log.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "api/push_api.hpp"
#include "api/push_stats.hpp"
#include "config/push_config.hpp"
#include "durable/state_directory.hpp"
#include "plugin_exporter/plugin.hpp"
#include "store/metric_store.hpp"
#include "store/scrape_emitter.hpp"
#include "store_handover.hpp"

namespace pe::push {
namespace {

class PushPlugin : public pe::Plugin {
 public:
  explicit PushPlugin(pe::CreateContext& ctx)
      : api_(ctx.api),
        log_(ctx.log),
        config_(read_push_config(ctx.config, ctx.state_dir)),
        shared_(take_over_or_new(ctx)),
        store_(shared_->store),
        recovery_(shared_->recovery) {
    if (ctx.config.has_errors()) return;
    if (ctx.check_only) {  // the host checks that no other collector serves these routes
      register_routes(ctx);
      return;
    }
    if (taken_over_) {
      // A reload recreated this collector: the predecessor's live store is
      // served on without a gap (store_handover.hpp).
      state_ = shared_->state.get();
      log_.info("push store taken over from the previous instance of this collector (" +
                config_.state_dir + ")");
    } else if (config_.durability != Durability::none) {
      shared_->state =
          std::make_unique<StateDirectory>(config_.state_dir, config_.durability, log_);
      state_ = shared_->state.get();
      recovery_ = state_->recover(store_);
      for (const std::string& p : recovery_.problems) log_.warn("state recovery: " + p);
      auto t = store_.totals();
      log_.info("push store restored from " + config_.state_dir + ": " + std::to_string(t.groups) +
                " groups, " + std::to_string(t.series) + " series from " +
                std::to_string(recovery_.records) + " records" +
                (recovery_.discarded_bytes ? ", " + std::to_string(recovery_.discarded_bytes) +
                                                 " bytes of torn/corrupt tail discarded"
                                           : std::string()));
      state_->start(store_);
      register_live_store(config_.state_dir, store_settings(config_), shared_);
    } else {
      log_.info(
          "push store is in memory only (no state directory): pushes do not survive a restart");
    }
    http_ = std::make_unique<PushApi>(config_, store_, state_ ? state_->wal() : nullptr, stats_,
                                      api_, log_);
    register_routes(ctx);
    maintenance_ = std::thread([this] { maintain(); });
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

  ~PushPlugin() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (maintenance_.joinable()) maintenance_.join();
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
    emit_self_metrics(sink, groups);
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

  void maintain() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; })) {
      lock.unlock();
      try {
        uint64_t ticket = 0;
        store_.expire(api_->realtime_ms(), ticket);
        if (state_) maybe_compact();
      } catch (const std::exception& e) {
        log_.error(std::string("push maintenance: ") + e.what());
      }
      lock.lock();
    }
  }

  void maybe_compact() {
    const auto wal = state_->wal()->stats();
    const int64_t now = api_->realtime_ms();
    const bool big =
        config_.compact_wal_bytes && wal.bytes_since_rotate >= config_.compact_wal_bytes;
    const bool due = wal.bytes_since_rotate > 0 &&
                     now - state_->last_compaction_ms() >= config_.compact_interval.count();
    // After a failure, retried with backoff until it succeeds (disk full:
    // pushes come back by themselves once space is freed).
    if (!big && !due && !state_->retry_due(now)) return;
    std::string error;
    if (state_->compact(store_, error)) {
      if (!durable_logged_) log_.info("push store is durable again");
      durable_logged_ = true;
    } else {
      log_.error("compaction failed (retried with backoff): " + error);
      durable_logged_ = false;
    }
  }

  void counter(pe::MetricSink& sink, const std::string& name, const std::string& help, double v) {
    sink.family(name, MetricType::counter, help);
    sink.sample(name, {}, v);
  }
  void gauge(pe::MetricSink& sink, const std::string& name, const std::string& help, double v) {
    sink.family(name, MetricType::gauge, help);
    sink.sample(name, {}, v);
  }

  void emit_self_metrics(pe::MetricSink& sink, const std::vector<GroupPtr>& groups) {
    auto t = store_.totals();
    std::size_t bytes = 0;
    for (const GroupPtr& g : groups) bytes += g->memory_bytes();
    gauge(sink, "plugin_exporter_push_groups", "Push groups in the store.",
          static_cast<double>(t.groups));
    gauge(sink, "plugin_exporter_push_series", "Series in the store (all groups).",
          static_cast<double>(t.series));
    gauge(sink, "plugin_exporter_push_families", "Distinct metric family names in the store.",
          static_cast<double>(t.families));
    gauge(sink, "plugin_exporter_push_store_bytes", "Approximate memory held by the stored series.",
          static_cast<double>(bytes));
    counter(sink, "plugin_exporter_push_expired_groups_total",
            "Groups removed because their TTL ran out.",
            static_cast<double>(store_.expired_total()));

    sink.family("plugin_exporter_push_requests_total", MetricType::counter,
                "Requests to the push API by operation and result (ok, invalid, limited, "
                "unavailable, error).");
    for (std::size_t o = 0; o < kOperationNames.size(); ++o)
      for (std::size_t r = 0; r < kResultNames.size(); ++r)
        sink.sample("plugin_exporter_push_requests_total",
                    {{"operation", std::string(kOperationNames[o])},
                     {"result", std::string(kResultNames[r])}},
                    static_cast<double>(stats_.requests[o][r].load(std::memory_order_relaxed)));

    const uint64_t limit_values[] = {
        config_.max_body_bytes,         config_.max_decompressed_bytes,
        config_.max_series_per_push,    config_.store.max_series_per_group,
        config_.store.max_series_total, config_.store.max_groups,
        config_.max_families_per_push,  config_.max_labels_per_series,
        config_.max_label_name_bytes,   config_.max_label_value_bytes};
    static_assert(std::size(limit_values) == kLimitNames.size());
    sink.family("plugin_exporter_push_limit", MetricType::gauge,
                "Configured limits (0 = unlimited).");
    for (std::size_t i = 0; i < kLimitNames.size(); ++i)
      sink.sample("plugin_exporter_push_limit", {{"limit", std::string(kLimitNames[i])}},
                  static_cast<double>(limit_values[i]));
    sink.family("plugin_exporter_push_limit_hits_total", MetricType::counter,
                "Requests refused by each limit (max_body_bytes is enforced by the host before the "
                "plugin).");
    for (std::size_t i = 0; i < kLimitNames.size(); ++i)
      sink.sample("plugin_exporter_push_limit_hits_total", {{"limit", std::string(kLimitNames[i])}},
                  static_cast<double>(stats_.limit_hits[i].load(std::memory_order_relaxed)));

    gauge(sink, "plugin_exporter_push_durable",
          "1 if acknowledged pushes are persisted (state directory in use and its log writable); "
          "0 while pushes are refused with 503 (see /api/v1/status for the last error).",
          state_ && state_->durable() ? 1 : 0);
    if (state_) {
      auto w = state_->wal()->stats();
      counter(sink, "plugin_exporter_push_wal_written_bytes_total",
              "Bytes appended to the write-ahead log.", static_cast<double>(w.bytes));
      counter(sink, "plugin_exporter_push_wal_records_total",
              "Records appended to the write-ahead log.", static_cast<double>(w.records));
      counter(sink, "plugin_exporter_push_wal_syncs_total",
              "fdatasync calls (one per group commit).", static_cast<double>(w.syncs));
      counter(sink, "plugin_exporter_push_wal_failures_total",
              "Write-ahead log write or sync failures.", static_cast<double>(w.failures));
      counter(sink, "plugin_exporter_push_compactions_total", "Snapshots written.",
              static_cast<double>(state_->compactions()));
      gauge(sink, "plugin_exporter_push_snapshot_bytes", "Size of the last snapshot.",
            static_cast<double>(state_->snapshot_bytes()));
      gauge(sink, "plugin_exporter_push_recovered_records", "Records replayed at start.",
            static_cast<double>(recovery_.records));
      gauge(sink, "plugin_exporter_push_recovery_discarded_bytes",
            "Bytes of torn or corrupt state cut off at start.",
            static_cast<double>(recovery_.discarded_bytes));
    }
  }

  const pe_host_api* api_;
  HostLog log_;
  PushConfig config_;
  bool taken_over_ = false;
  std::shared_ptr<DurableStore> shared_;  // shared with a predecessor/successor on reload
  MetricStore& store_;
  RecoveryReport& recovery_;
  PushStats stats_;
  StateDirectory* state_ = nullptr;  // shared_->state
  std::unique_ptr<PushApi> http_;
  bool durable_logged_ = true;  // maintenance thread only

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread maintenance_;
};

}  // namespace
}  // namespace pe::push

PE_DEFINE_CPP_PLUGIN(pe::push::PushPlugin, "push", "1.0.0",
                     "Push gateway: pushgateway-compatible API, aggregation, TTL, durable store",
                     PE_CAP_HTTP_ROUTES)
