// self_metrics.cpp — prometheus-cpp registry and its conversion to the model.
#include "collect/self_metrics.hpp"

#include <dirent.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "base/build_info.hpp"
#include "plugin_exporter/plugin.h"

namespace pe::host {

struct SelfMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& collects =
      prometheus::BuildCounter()
          .Name("plugin_exporter_collector_scrapes_total")
          .Help(
              "Scrapes of each collector, by result (ok, error, timeout, bad_request, busy, "
              "unavailable); concurrent scrapes may share one plugin call.")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& dropped =
      prometheus::BuildCounter()
          .Name("plugin_exporter_samples_dropped_total")
          .Help(
              "Samples dropped per collector, by reason (invalid, duplicate, type_conflict, "
              "relabel).")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& lockouts =
      prometheus::BuildCounter()
          .Name("plugin_exporter_scrape_lockouts_total")
          .Help("Scrapes refused with 503 because the concurrent-scrape limit was reached.")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& http =
      prometheus::BuildCounter()
          .Name("plugin_exporter_http_requests_total")
          .Help("HTTP requests served, by handler and status code.")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& http_rejected =
      prometheus::BuildCounter()
          .Name("plugin_exporter_http_connections_rejected_total")
          .Help(
              "Connections refused or closed by the server before a complete request, by reason "
              "(max_connections, max_connections_per_client, evicted_idle, header_timeout, "
              "body_timeout, header_too_large, body_too_large, malformed_request, "
              "tls_handshake).")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& http_open =
      prometheus::BuildGauge()
          .Name("plugin_exporter_http_connections_open")
          .Help("Open HTTP connections on all listeners.")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& reload_ok =
      prometheus::BuildGauge()
          .Name("plugin_exporter_config_last_reload_successful")
          .Help("Whether the last configuration load succeeded (1) or not (0).")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& reload_time =
      prometheus::BuildGauge()
          .Name("plugin_exporter_config_last_reload_success_timestamp_seconds")
          .Help("Time of the last successful configuration load.")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& build =
      prometheus::BuildGauge()
          .Name("plugin_exporter_build_info")
          .Help("Build information: version, revision and plugin ABI of this plugin_exporter.")
          .Register(*registry);
  prometheus::Counter& lockout_counter = lockouts.Add({});
  mutable std::mutex extra_mu;
  std::map<std::string, std::function<void(MetricSet&)>, std::less<>> extra;  // by name

  Impl() {
    build
        .Add({{"version", PE_VERSION},
              {"revision", build_revision()},
              {"abi", std::to_string(PE_ABI_MAJOR) + "." + std::to_string(PE_ABI_MINOR)}})
        .Set(1);
  }
};

SelfMetrics::SelfMetrics() : impl_(std::make_unique<Impl>()) {}
SelfMetrics::~SelfMetrics() = default;

void SelfMetrics::collect_finished(const std::string& collector, const std::string& plugin,
                                   CollectStatus status) {
  impl_->collects
      .Add({{"collector", collector},
            {"plugin", plugin},
            {"result", std::string(to_string(status))}})
      .Increment();
}

void SelfMetrics::samples_dropped(const std::string& collector, std::string_view reason,
                                  double count) {
  if (count <= 0) return;
  impl_->dropped.Add({{"collector", collector}, {"reason", std::string(reason)}}).Increment(count);
}

void SelfMetrics::scrape_lockout() {
  impl_->lockout_counter.Increment();
}

void SelfMetrics::http_request(std::string_view handler, int code) {
  impl_->http.Add({{"handler", std::string(handler)}, {"code", std::to_string(code)}}).Increment();
}

void SelfMetrics::http_connection_rejected(std::string_view reason) {
  impl_->http_rejected.Add({{"reason", std::string(reason)}}).Increment();
}

void SelfMetrics::http_connections_open(double open) {
  impl_->http_open.Add({}).Set(open);
}

void SelfMetrics::config_loaded(bool ok) {
  impl_->reload_ok.Add({}).Set(ok ? 1 : 0);
  if (ok) {
    double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    impl_->reload_time.Add({}).Set(now);
  }
}

void SelfMetrics::export_to(MetricSet& set) const {
  std::vector<Label> labels;
  for (const prometheus::MetricFamily& mf : impl_->registry->Collect()) {
    MetricType type = MetricType::gauge;
    switch (mf.type) {
      case prometheus::MetricType::Counter:
        type = MetricType::counter;
        break;
      case prometheus::MetricType::Gauge:
        type = MetricType::gauge;
        break;
      default:
        type = MetricType::unknown;
        break;
    }
    if (mf.metric.empty()) continue;
    set.add_family(set.intern(mf.name), type, set.intern(mf.help), true);
    for (const prometheus::ClientMetric& m : mf.metric) {
      labels.clear();
      for (const auto& l : m.label)
        labels.push_back(Label{set.intern(l.name), set.intern(l.value)});
      double v = type == MetricType::counter ? m.counter.value
                 : type == MetricType::gauge ? m.gauge.value
                                             : m.untyped.value;
      set.add_sample(set.families.back().name, labels, v);
    }
  }
  std::lock_guard lock(impl_->extra_mu);
  for (const auto& [name, exporter] : impl_->extra) exporter(set);
}

void SelfMetrics::set_extra_exporter(std::function<void(MetricSet&)> exporter) {
  set_extra_exporter("", std::move(exporter));
}

void SelfMetrics::set_extra_exporter(std::string_view name,
                                     std::function<void(MetricSet&)> exporter) {
  std::lock_guard lock(impl_->extra_mu);
  if (exporter)
    impl_->extra.insert_or_assign(std::string(name), std::move(exporter));
  else if (auto it = impl_->extra.find(name); it != impl_->extra.end())
    impl_->extra.erase(it);
}

namespace {

double process_start_time_seconds() {
  static const double value = [] {
    std::ifstream stat("/proc/self/stat");
    std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto rp = content.rfind(')');
    if (rp == std::string::npos) return 0.0;
    std::istringstream rest(content.substr(rp + 2));
    std::string field;
    unsigned long long start_ticks = 0;
    for (int i = 3; i <= 22 && rest >> field; ++i)
      if (i == 22) start_ticks = std::stoull(field);
    std::ifstream up("/proc/stat");
    std::string line;
    double boot = 0;
    while (std::getline(up, line))
      if (line.rfind("btime ", 0) == 0) boot = std::stod(line.substr(6));
    return boot + static_cast<double>(start_ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }();
  return value;
}

}  // namespace

void export_process_metrics(MetricSet& set) {
  auto gauge = [&](std::string_view name, std::string_view help, MetricType type, double v) {
    set.add_family(name, type, help, true);
    set.add_sample(name, {}, v);
  };
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  gauge("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
        MetricType::counter, cpu);
  long page = sysconf(_SC_PAGESIZE);
  std::ifstream statm("/proc/self/statm");
  unsigned long long vm_pages = 0, rss_pages = 0;
  statm >> vm_pages >> rss_pages;
  gauge("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::gauge,
        static_cast<double>(rss_pages) * static_cast<double>(page));
  gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::gauge,
        static_cast<double>(vm_pages) * static_cast<double>(page));
  double fds = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++fds;
    closedir(d);
    fds -= 3;  // ".", ".." and the directory's own descriptor
  }
  gauge("process_open_fds", "Number of open file descriptors.", MetricType::gauge, fds);
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  gauge("process_max_fds", "Maximum number of open file descriptors.", MetricType::gauge,
        static_cast<double>(rl.rlim_cur));
  gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
        MetricType::gauge, process_start_time_seconds());
}

}  // namespace pe::host
