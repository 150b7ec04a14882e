// scrape_orchestrator.cpp — parallel collects with deadlines, per scrape.
#include "collect/scrape_orchestrator.hpp"

#include <algorithm>
#include <cmath>

#include "collect/self_metrics.hpp"
#include "collect/worker_pool.hpp"
#include "plugin/host_api.hpp"

namespace pe::host {

ScrapeOrchestrator::ScrapeOrchestrator(std::vector<std::shared_ptr<Collector>> collectors,
                                       WorkerPool& pool, SelfMetrics& metrics,
                                       std::chrono::nanoseconds timeout_offset)
    : collectors_(std::move(collectors)), pool_(pool), metrics_(metrics), offset_(timeout_offset) {}

ScrapeResult ScrapeOrchestrator::scrape(std::span<const std::string> selected, const Params& params,
                                        std::optional<double> scrape_timeout_seconds) {
  ScrapeResult result;
  std::vector<std::shared_ptr<Collector>> chosen;
  if (selected.empty()) {
    chosen = collectors_;
  } else {
    for (const std::string& name : selected) {
      auto it = std::find_if(collectors_.begin(), collectors_.end(),
                             [&](const auto& c) { return c->name() == name; });
      if (it == collectors_.end()) {
        result.unknown_collector = name;
        return result;
      }
      if (std::find(chosen.begin(), chosen.end(), *it) == chosen.end()) chosen.push_back(*it);
    }
    // Keep configuration order whatever order the query used.
    std::stable_sort(chosen.begin(), chosen.end(), [&](const auto& a, const auto& b) {
      return std::find(collectors_.begin(), collectors_.end(), a) <
             std::find(collectors_.begin(), collectors_.end(), b);
    });
  }

  const int64_t now = monotonic_now_ns();
  std::optional<int64_t> scrape_budget;
  if (scrape_timeout_seconds && *scrape_timeout_seconds > 0 &&
      std::isfinite(*scrape_timeout_seconds)) {
    auto total = static_cast<int64_t>(*scrape_timeout_seconds * 1e9);
    int64_t budget = total - offset_.count();
    scrape_budget = budget > 0 ? budget : total * 9 / 10;
  }

  struct Pending {
    std::shared_ptr<Collector> collector;
    Collector::Ticket ticket;
    int64_t deadline;
  };
  std::vector<Pending> pending;
  pending.reserve(chosen.size());
  for (auto& c : chosen) {
    int64_t budget = c->config().timeout.count();
    if (scrape_budget) budget = std::min(budget, *scrape_budget);
    int64_t deadline = now + budget;
    pending.push_back(Pending{c, c->begin(params, deadline, pool_), deadline});
  }

  result.collectors.reserve(pending.size());
  for (Pending& p : pending) {
    CollectOutcome outcome;
    if (p.ticket.immediate) {
      outcome = std::move(*p.ticket.immediate);
    } else if (auto done = p.ticket.flight->wait_until(p.deadline)) {
      outcome = std::move(*done);
    } else {
      outcome.status = CollectStatus::timeout;
      double waited = static_cast<double>(p.deadline - now) / 1e9;
      const auto& flight = *p.ticket.flight;
      if (p.ticket.joined && flight.deadline_ns() <= now) {
        double running = static_cast<double>(now - flight.started_ns()) / 1e9;
        outcome.reason = "previous collect still running after " +
                         std::to_string(static_cast<int64_t>(running)) +
                         "s, past its deadline; not called again";
      } else {
        char buf[64];
        std::snprintf(buf, sizeof buf, "timed out after %.3fs", waited);
        outcome.reason = buf;
      }
      outcome.duration_seconds = waited;
    }
    p.collector->record(outcome);
    metrics_.collect_finished(p.collector->name(), p.collector->plugin_name(), outcome.status);
    metrics_.samples_dropped(p.collector->name(), "invalid",
                             static_cast<double>(outcome.invalid_samples));
    metrics_.samples_dropped(p.collector->name(), "relabel",
                             static_cast<double>(outcome.relabel_dropped));
    result.collectors.push_back(CollectorScrape{p.collector, std::move(outcome)});
  }
  return result;
}

void export_collector_metrics(const ScrapeResult& result, MetricSet& set) {
  if (result.collectors.empty()) return;
  std::vector<Label> labels;
  auto each = [&](std::string_view name, std::string_view help, auto value_of) {
    set.add_family(name, MetricType::gauge, help, true);
    for (const CollectorScrape& cs : result.collectors) {
      labels.clear();
      labels.push_back(Label{"collector", set.intern(cs.collector->name())});
      labels.push_back(Label{"plugin", set.intern(cs.collector->plugin_name())});
      set.add_sample(name, labels, value_of(cs));
    }
  };
  each(
      "plugin_exporter_collector_success",
      "Whether the collector's collect succeeded in this scrape (1) or not (0).",
      [](const CollectorScrape& cs) { return cs.outcome.status == CollectStatus::ok ? 1.0 : 0.0; });
  each("plugin_exporter_collector_duration_seconds",
       "How long the collector's collect took in this scrape.",
       [](const CollectorScrape& cs) { return cs.outcome.duration_seconds; });
  each("plugin_exporter_collector_samples", "Samples the collector returned in this scrape.",
       [](const CollectorScrape& cs) {
         return cs.outcome.metrics ? static_cast<double>(cs.outcome.metrics->sample_count()) : 0.0;
       });

  set.add_family("plugin_exporter_collector_calls_total", MetricType::counter,
                 "Plugin collect calls of the collector (concurrent scrapes share calls).", true);
  for (const CollectorScrape& cs : result.collectors) {
    labels.clear();
    labels.push_back(Label{"collector", set.intern(cs.collector->name())});
    labels.push_back(Label{"plugin", set.intern(cs.collector->plugin_name())});
    set.add_sample("plugin_exporter_collector_calls_total", labels,
                   static_cast<double>(cs.collector->calls()));
  }

  // Figures plugins reported, one family per name across collectors.
  std::vector<std::pair<std::string, std::string>> stat_names;  // name, help
  for (const CollectorScrape& cs : result.collectors)
    for (const auto& st : cs.outcome.stats) {
      bool known = false;
      for (auto& [n, h] : stat_names) known |= n == st.name;
      if (!known) stat_names.emplace_back(st.name, st.help);
    }
  for (const auto& [stat, help] : stat_names) {
    std::string_view family = set.intern("plugin_exporter_collector_" + stat);
    set.add_family(family, MetricType::gauge,
                   set.intern(help.empty() ? "Reported by the collector's plugin." : help), true);
    for (const CollectorScrape& cs : result.collectors)
      for (const auto& st : cs.outcome.stats) {
        if (st.name != stat) continue;
        labels.clear();
        labels.push_back(Label{"collector", set.intern(cs.collector->name())});
        labels.push_back(Label{"plugin", set.intern(cs.collector->plugin_name())});
        set.add_sample(family, labels, st.value);
      }
  }

  bool any_error = false;
  for (const CollectorScrape& cs : result.collectors)
    if (!cs.collector->health().last_error.empty()) any_error = true;
  if (!any_error) return;
  set.add_family("plugin_exporter_collector_last_error_info", MetricType::gauge,
                 "The reason of the collector's last failed collect (value always 1).", true);
  std::vector<std::pair<const CollectorScrape*, CollectorHealth>> failed;
  for (const CollectorScrape& cs : result.collectors) {
    CollectorHealth h = cs.collector->health();
    if (h.last_error.empty()) continue;
    labels.clear();
    labels.push_back(Label{"collector", set.intern(cs.collector->name())});
    labels.push_back(Label{"plugin", set.intern(cs.collector->plugin_name())});
    labels.push_back(Label{"reason", set.intern(h.last_error)});
    set.add_sample("plugin_exporter_collector_last_error_info", labels, 1.0);
    failed.emplace_back(&cs, std::move(h));
  }
  set.add_family("plugin_exporter_collector_last_error_timestamp_seconds", MetricType::gauge,
                 "When the collector's last failed collect happened.", true);
  for (auto& [cs, h] : failed) {
    labels.clear();
    labels.push_back(Label{"collector", set.intern(cs->collector->name())});
    labels.push_back(Label{"plugin", set.intern(cs->collector->plugin_name())});
    set.add_sample("plugin_exporter_collector_last_error_timestamp_seconds", labels,
                   static_cast<double>(h.last_error_unix_ms) / 1000.0);
  }
}

}  // namespace pe::host
