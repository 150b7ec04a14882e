// postgres_plugin.cpp — the postgres plugin's entry point: one instance per
// configured collector (one server/database). create validates the
// configuration and opens nothing; connections open lazily in collect.
#include <memory>

#include "plugin_config.hpp"
#include "plugin_exporter/plugin.hpp"
#include "postgres_collector.hpp"

#ifndef PE_POSTGRES_VERSION
#define PE_POSTGRES_VERSION "0.0.0"
#endif

namespace {

class PostgresPlugin final : public pe::PluginInstance {
 public:
  explicit PostgresPlugin(pe::CreateContext& ctx) {
    pe::postgres::PostgresConfig config = pe::postgres::read_postgres_config(ctx);
    if (ctx.config.has_errors()) return;  // the adapter reports PE_INVALID_CONFIG
    collector_ = std::make_unique<pe::postgres::PostgresCollector>(std::move(config), ctx.log,
                                                                   ctx.api->monotonic_ns);
  }

  pe_status collect(const pe::CollectRequest& request, pe::MetricSink& sink) override {
    collector_->collect(request.deadline_monotonic_ns, sink);
    return PE_OK;
  }

 private:
  std::unique_ptr<pe::postgres::PostgresCollector> collector_;
};

}  // namespace

PE_DEFINE_CPP_PLUGIN(PostgresPlugin, "postgres", PE_POSTGRES_VERSION,
                     "PostgreSQL servers: core metrics and SQL-defined metrics", 0)
