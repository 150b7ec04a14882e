// exporter_runtime.cpp — load, hot reload and teardown of collectors.
#include "app/exporter_runtime.hpp"

#include <algorithm>
#include <tuple>

#include "base/logging.hpp"
#include "collect/collector_factory.hpp"
#include "collect/worker_pool.hpp"
#include "config/config_document.hpp"
#include "config/config_loader.hpp"
#include "config/effective_config.hpp"
#include "isolation/process_supervisor.hpp"
#include "plugin/crash_record.hpp"
#include "plugin/host_api.hpp"
#include "remote_write/remote_write_metrics.hpp"
#include "remote_write/remote_write_set.hpp"

namespace pe::host {
namespace {

ConfigOverrides overrides_of(const CliOptions& o) {
  return ConfigOverrides{o.listen_addresses, o.plugin_dir};
}

std::string joined(const ConfigErrors& errors) {
  std::string out;
  for (const ConfigError& e : errors) {
    if (!out.empty()) out += "\n";
    out += e.to_string();
  }
  return out;
}

// "a,b,c" (empty: none), for the reload log line.
std::string names_of(const std::vector<std::shared_ptr<Collector>>& collectors) {
  std::string out;
  for (const auto& c : collectors) out += (out.empty() ? "" : ",") + c->name();
  return out;
}

// A crash record of a collector configured (as it crashed) with
// on_crash = "isolate" demotes it instead of quarantining it.
bool demotes(const ExporterConfig& config, const CrashRecord& crash) {
  return std::any_of(config.collectors.begin(), config.collectors.end(),
                     [&](const CollectorConfig& c) {
                       return c.name == crash.collector && c.isolate_on_crash && !c.isolated &&
                              collector_fingerprint_id(c) == crash.fingerprint;
                     });
}

std::size_t pool_size(const ExporterConfig& cfg) {
  if (cfg.collector_threads > 0) return static_cast<std::size_t>(cfg.collector_threads);
  // The pool is elastic (idle threads exit), so a generous ceiling costs
  // nothing: each collector runs at most one collect per parameter set, and
  // plugins with concurrent collects (script, proxy) run one per set.
  return std::max<std::size_t>(64, cfg.collectors.size() * 8);
}

// Two collectors of one plugin with the same static labels emit the same
// series (e.g. pg_up), and all but the first are dropped as duplicates.
void warn_about_indistinguishable_collectors(const ExporterConfig& cfg) {
  for (std::size_t i = 0; i < cfg.collectors.size(); ++i) {
    for (std::size_t j = i + 1; j < cfg.collectors.size(); ++j) {
      const CollectorConfig& a = cfg.collectors[i];
      const CollectorConfig& b = cfg.collectors[j];
      auto la = a.labels, lb = b.labels;
      std::sort(la.begin(), la.end());
      std::sort(lb.begin(), lb.end());
      if (a.plugin_path == b.plugin_path && la == lb)
        log(LogLevel::warn,
            "two collectors of one plugin have the same labels; series they both emit collide "
            "and only the first is served: give each its own labels = { ... }",
            {{"collector", a.name}, {"other", b.name}});
    }
  }
}

// Settings the listeners took at start; a reload cannot change them.
bool listener_settings_differ(const WebConfig& a, const WebConfig& b) {
  auto key = [](const ListenerConfig& l) {
    std::string k =
        l.address + "|" + std::to_string(l.serve) + "|" + std::to_string(l.max_connections);
    for (const auto& c : l.allow_cidrs) k += "|" + c;
    if (l.tls) {
      const TlsConfig& t = *l.tls;
      k += "|tls|" + t.cert_file + "|" + t.key_file + "|" + t.client_ca_file + "|" + t.client_auth +
           "|" + t.min_version + "|" + t.max_version;
      for (const auto& s : t.client_allowed_sans) k += "|" + s;
      for (const auto& s : t.cipher_suites) k += "|" + s;
      for (const auto& s : t.curve_preferences) k += "|" + s;
    }
    return k;
  };
  if (a.listeners.size() != b.listeners.size()) return true;
  for (std::size_t i = 0; i < a.listeners.size(); ++i)
    if (key(a.listeners[i]) != key(b.listeners[i])) return true;
  return std::tie(a.http_threads, a.http_queue, a.read_timeout, a.write_timeout,
                  a.keep_alive_timeout, a.header_timeout) !=
         std::tie(b.http_threads, b.http_queue, b.read_timeout, b.write_timeout,
                  b.keep_alive_timeout, b.header_timeout);
}

}  // namespace

// What a remote write round collects: the selected collectors through the
// current serving state's orchestrator (shared with concurrent scrapes,
// each collector's deadline capped by the interval), plus the self-metrics
// when "plugin_exporter" is selected.
static std::optional<remote_write::CollectedRound> collect_for_remote_write(
    const RemoteWriteConfig& rw, const ServingStateHolder& holder, const SelfMetrics& metrics) {
  std::shared_ptr<const ServingState> state = holder.get();
  if (!state) return std::nullopt;
  std::vector<std::string> selected;
  bool self = false;
  for (const std::string& c : rw.collectors) {
    if (c == kSelfMetricsCollector)
      self = true;
    else
      selected.push_back(c);
  }
  remote_write::CollectedRound round;
  ScrapeResult result;
  if (rw.collectors.empty() || !selected.empty()) {
    result = state->orchestrator->scrape(selected, {},
                                         std::chrono::duration<double>(rw.interval).count());
    for (const CollectorScrape& cs : result.collectors)
      if (cs.outcome.metrics) round.push_back(cs.outcome.metrics);
  }
  if (self) {
    auto set = std::make_shared<MetricSet>();
    metrics.export_to(*set);
    export_process_metrics(*set);
    export_collector_metrics(result, *set);
    round.insert(round.begin(), std::move(set));
  }
  return round;
}

ExporterRuntime::ExporterRuntime(const CliOptions& options, SelfMetrics& metrics,
                                 ServingStateHolder& holder)
    : options_(options),
      metrics_(metrics),
      holder_(holder),
      remote_write_metrics_(std::make_unique<remote_write::RemoteWriteMetrics>()) {
  remote_writes_ = std::make_unique<remote_write::RemoteWriteSet>(
      [this](const RemoteWriteConfig& rw) {
        return collect_for_remote_write(rw, holder_, metrics_);
      },
      *remote_write_metrics_);
  status_board_ = std::make_unique<StatusBoard>(
      options.config_file, [m = remote_write_metrics_.get()] { return m->status(); });
  metrics_.set_extra_exporter([this, m = remote_write_metrics_.get()](MetricSet& set) {
    m->export_to(set, unix_now_ms());
    if (quarantine_) quarantine_->export_to(set);  // set before the server starts
  });
}

ExporterRuntime::~ExporterRuntime() {
  remote_writes_->stop();
  metrics_.set_extra_exporter(nullptr);
  metrics_.set_extra_exporter("isolation", nullptr);
  isolation::set_quarantine_hook(nullptr);
}

std::shared_ptr<const ExporterConfig> ExporterRuntime::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

std::shared_ptr<ServingState> ExporterRuntime::make_state(
    std::shared_ptr<const ExporterConfig> config,
    std::vector<std::shared_ptr<Collector>> collectors, std::vector<QuarantineEntry> entries,
    std::string& error) {
  auto state = std::make_shared<ServingState>();
  state->config = config;
  state->auth = std::make_unique<Authenticator>(config->auth);
  state->rate_limiter =
      std::make_unique<RateLimiter>(config->auth.rate_limit, config->auth.rate_limit_burst);
  for (const auto& c : collectors)
    if (!state->routes.add(c, error)) return nullptr;
  auto [quarantined, demoted] = split_demoted(std::move(entries));
  std::vector<std::pair<std::string, std::string>> reasons, demotions;
  for (const auto& q : quarantined) reasons.emplace_back(q.collector, quarantine_reason(q));
  for (const auto& d : demoted) demotions.emplace_back(d.collector, demotion_reason(d));
  state->configz_json = effective_config_json(*config, reasons, demotions);
  state->quarantined = std::move(quarantined);  // configured but not created
  state->orchestrator = std::make_unique<ScrapeOrchestrator>(
      std::move(collectors), *pool_, metrics_, config->web.scrape_timeout_offset);
  return state;
}

bool ExporterRuntime::start() {
  std::lock_guard lock(mu_);
  LoadResult loaded = load_config_file(options_.config_file, overrides_of(options_));
  auto fail = [&](const std::string& why) {
    log(LogLevel::error, "invalid configuration", {{"error", why}});
    metrics_.config_loaded(false);
    return false;
  };
  if (!loaded.config) {
    for (const ConfigError& e : check_configuration(loaded)) fail(e.to_string());
    return false;
  }
  auto config = std::make_shared<const ExporterConfig>(std::move(*loaded.config));
  warn_about_indistinguishable_collectors(*config);
  start_quarantine(*config);
  std::vector<QuarantineEntry> entries = quarantine_->matching(*config);
  quarantine_->apply(*config);
  pool_ = std::make_unique<WorkerPool>(pool_size(*config));
  CreatedCollectors created = create_collectors(*config, /*check_only=*/false, {}, entries);
  if (!created.errors.empty()) {
    for (const ConfigError& e : created.errors) fail(e.to_string());
    return false;
  }
  std::string error;
  auto state = make_state(config, created.collectors, entries, error);
  if (!state) {
    for (auto& c : created.collectors) c->destroy(monotonic_now_ns());
    return fail(error);
  }
  config_ = config;
  collectors_ = std::move(created.collectors);
  holder_.set(std::move(state));
  std::string rw_error;
  if (!remote_writes_->apply(config->remote_writes, rw_error)) {
    // E.g. a queue directory that cannot be created: refuse to start, cleanly.
    remote_writes_->stop();
    holder_.set(nullptr);
    for (auto& c : collectors_) c->destroy(monotonic_now_ns());
    collectors_.clear();
    return fail(rw_error);
  }
  list_for_quarantine_metric(entries);
  metrics_.config_loaded(true);
  return true;
}

bool ExporterRuntime::reload(std::string& error) {
  std::lock_guard lock(mu_);
  auto failed = [&](std::string why) {
    error = std::move(why);
    metrics_.config_loaded(false);
    status_board_->reloaded({0, false, {}, {}, {}});
    log(LogLevel::error, "reload failed; the running configuration stays", {{"error", error}});
    return false;
  };
  LoadResult loaded = load_config_file(options_.config_file, overrides_of(options_));
  if (!loaded.config) return failed(joined(check_configuration(loaded)));
  auto config = std::make_shared<const ExporterConfig>(std::move(*loaded.config));

  warn_about_indistinguishable_collectors(*config);
  // Unchanged collectors (same name, plugin file, section, state directory).
  std::vector<std::shared_ptr<Collector>> keep, retire;
  for (const auto& old : collectors_) {
    auto same = std::find_if(
        config->collectors.begin(), config->collectors.end(), [&](const CollectorConfig& cc) {
          return cc.name == old->name() && cc.fingerprint == old->config().fingerprint;
        });
    (same != config->collectors.end() ? keep : retire).push_back(old);
  }
  // Quarantined collectors whose configuration is unchanged stay uncreated
  // (demoted ones isolated).
  std::vector<QuarantineEntry> entries = quarantine_->matching(*config);
  // Every new or changed section is validated by its plugin before anything stops.
  CreatedCollectors checked = create_collectors(*config, /*check_only=*/true, keep, entries);
  if (!checked.errors.empty()) return failed(joined(checked.errors));
  if (listener_settings_differ(config_->web, config->web))
    log(LogLevel::warn,
        "listener settings changed ([web] addresses, TLS, threads, timeouts); "
        "they apply at the next start");

  // The new collectors are created while the changed ones still serve, and
  // replace them without a gap (a push collector takes its predecessor's
  // store over: plugins/push/store_handover.hpp). If that fails — a
  // predecessor holds a file or port its successor needs — the changed and
  // removed collectors stop first and the new ones are created after them.
  const int64_t grace =
      std::chrono::duration_cast<std::chrono::nanoseconds>(config_->web.shutdown_grace).count();
  CreatedCollectors created = create_collectors(*config, /*check_only=*/false, keep, entries);
  bool retired = false;
  if (!created.errors.empty()) {
    log(LogLevel::info,
        "reload: creating collectors beside the running ones failed; "
        "stopping the changed ones first",
        {{"error", joined(created.errors)}});
    for (auto& c : retire) c->destroy(monotonic_now_ns() + grace);
    retired = true;
    created = create_collectors(*config, /*check_only=*/false, keep, entries);
  }
  std::string route_error;
  std::shared_ptr<ServingState> state;
  if (created.errors.empty()) state = make_state(config, created.collectors, entries, route_error);
  if (!state) {
    // Rare: a plugin that validated refused to start. Serve what still runs.
    std::string why = created.errors.empty() ? route_error : joined(created.errors);
    for (auto& c : created.collectors)
      if (std::find(keep.begin(), keep.end(), c) == keep.end()) c->destroy(monotonic_now_ns());
    if (!retired) {
      // Still running: keep serving the old configuration as it was.
      return failed("collectors of the new configuration failed to start: " + why);
    }
    std::string ignored;
    holder_.set(make_state(config_, keep, quarantine_->matching(*config_), ignored));
    collectors_ = keep;
    return failed("collectors of the new configuration failed to start: " + why);
  }
  // A changed collector keeps counting where its predecessor stopped.
  std::vector<std::shared_ptr<Collector>> started;
  for (auto& c : created.collectors) {
    if (std::find(keep.begin(), keep.end(), c) != keep.end()) continue;
    started.push_back(c);
    for (const auto& old : retire)
      if (old->name() == c->name()) c->continue_counters(*old);
  }
  config_ = config;
  collectors_ = std::move(created.collectors);
  holder_.set(std::move(state));
  quarantine_->apply(*config);  // changed or removed collectors leave the quarantine
  list_for_quarantine_metric(entries);
  // Served by their successors now: the replaced collectors stop.
  if (!retired)
    for (auto& c : retire) c->destroy(monotonic_now_ns() + grace);
  std::string rw_error;
  if (!remote_writes_->apply(config->remote_writes, rw_error))
    return failed("remote write endpoints of the new configuration failed to start: " + rw_error);
  // Logged last: when an operator (or a test) reads it, everything above is in effect.
  log(LogLevel::info, "configuration reloaded",
      {{"kept", names_of(keep)}, {"stopped", names_of(retire)}, {"started", names_of(started)}});
  status_board_->reloaded({0, true, names_of(keep), names_of(retire), names_of(started)});
  metrics_.config_loaded(true);
  return true;
}

void ExporterRuntime::start_quarantine(const ExporterConfig& config) {
  std::string error;
  if (!install_crash_recorder(config.state_dir, error))
    log(LogLevel::error, "no crash record can be written", {{"error", error}});
  quarantine_ = std::make_unique<Quarantine>(config.state_dir);
  // An isolated collector whose plugin process keeps dying is quarantined
  // the same way (same file, metric, status, clearing).
  isolation::set_quarantine_hook(
      [q = quarantine_.get()](const std::string& collector, const std::string& plugin,
                              const std::string& fingerprint, const std::string& signal) {
        q->add(QuarantineEntry{collector, plugin, fingerprint, unix_now_ms(), "collect", signal});
      });
  metrics_.set_extra_exporter("isolation", isolation::export_isolation_metrics);
  std::optional<CrashRecord> crash = read_crash_record(config.state_dir, error);
  if (!crash) {
    if (!error.empty()) {
      log(LogLevel::error, "crash record ignored", {{"error", error}});
      remove_crash_record(config.state_dir);
    }
    return;
  }
  QuarantineEntry entry{crash->collector, crash->plugin, crash->fingerprint,     crash->unix_ms,
                        crash->entry,     crash->signal, demotes(config, *crash)};
  quarantine_->add(entry);  // saved before the record goes
  remove_crash_record(config.state_dir);
  log(LogLevel::error,
      "collector " + entry.collector + " (plugin " + entry.plugin + ") " +
          quarantine_reason(entry) +
          (entry.demoted ? "; demoted to isolation = \"process\" (on_crash = \"isolate\")"
                         : "; quarantined") +
          " until its configuration changes or POST /-/quarantine/clear",
      {{"collector", entry.collector},
       {"plugin", entry.plugin},
       {"call", entry.entry},
       {"signal", entry.signal}});
}

void ExporterRuntime::list_for_quarantine_metric(const std::vector<QuarantineEntry>& entries) {
  std::vector<std::pair<std::string, std::string>> listed;
  for (const auto& c : collectors_) listed.emplace_back(c->name(), c->plugin_name());
  for (const auto& q : entries)
    if (!q.demoted) listed.emplace_back(q.collector, q.plugin);  // demoted ones run
  quarantine_->set_listed(std::move(listed));
}

int ExporterRuntime::clear_quarantine(const std::string& collector, std::string& message) {
  std::lock_guard lock(mu_);
  std::vector<std::string> cleared;
  if (collector.empty()) {
    cleared = quarantine_->clear_all();
  } else if (quarantine_->clear(collector)) {
    cleared.push_back(collector);
  } else {
    message = "collector " + collector + " is not quarantined";
    return 404;
  }
  if (cleared.empty()) {
    message = "no collector is quarantined";
    return 200;
  }
  std::string names;
  for (const auto& n : cleared) names += (names.empty() ? "" : ",") + n;
  log(LogLevel::info, "quarantine cleared by an admin request; creating the collectors",
      {{"collectors", names}});
  // Like a reload of the running configuration: everything running is kept.
  std::vector<QuarantineEntry> entries = quarantine_->matching(*config_);
  // An isolated collector quarantined while running is replaced by a new one.
  std::vector<std::shared_ptr<Collector>> keep, replaced;
  for (const auto& c : collectors_)
    (std::count(cleared.begin(), cleared.end(), c->name()) ? replaced : keep).push_back(c);
  CreatedCollectors created = create_collectors(*config_, /*check_only=*/false, keep, entries);
  std::string error;
  std::shared_ptr<ServingState> state;
  if (created.errors.empty()) {
    state = make_state(config_, created.collectors, entries, error);
  } else {
    error = joined(created.errors);
  }
  if (!state) {
    for (auto& c : created.collectors)
      if (std::find(keep.begin(), keep.end(), c) == keep.end()) c->destroy(monotonic_now_ns());
    log(LogLevel::error, "quarantine cleared, but creating the collectors failed",
        {{"collectors", names}, {"error", error}});
    message = "quarantine cleared (" + names + "), but creating failed:\n" + error;
    return 500;
  }
  collectors_ = std::move(created.collectors);
  holder_.set(std::move(state));
  for (auto& c : replaced) c->destroy(monotonic_now_ns());
  list_for_quarantine_metric(entries);
  message = "quarantine cleared and collectors created: " + names;
  return 200;
}

void ExporterRuntime::stop_remote_write() {
  std::lock_guard lock(mu_);
  remote_writes_->stop();
}

bool ExporterRuntime::shutdown(int64_t deadline_ns) {
  std::lock_guard lock(mu_);
  remote_writes_->stop();  // its rounds use the collectors
  bool all = true;
  for (auto& c : collectors_) all &= c->destroy(deadline_ns);
  collectors_.clear();
  return all;
}

}  // namespace pe::host
