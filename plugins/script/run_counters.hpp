// run_counters.hpp — a collector's cumulative counts: runs by how they
// ended, collects refused before a run, unknown scrape parameters. Emitted
// as counter families (with a `collector` label) in every successful collect
// of that collector.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "plugin_exporter/metric_sink.hpp"

namespace pe::script {

enum class RunEnd {
  ok,
  exit_error,
  signaled,
  timeout,
  output_limit,
  cancelled,
  spawn_error,
  count
};
enum class Refusal { concurrency_limit, bad_parameter, deadline, count };

class RunCounters {
 public:
  void ran(RunEnd end) {
    runs_[static_cast<std::size_t>(end)].fetch_add(1, std::memory_order_relaxed);
  }
  void refused(Refusal why) {
    refused_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
  }
  void unknown_parameters(uint64_t n) { unknown_.fetch_add(n, std::memory_order_relaxed); }

  uint64_t runs(RunEnd end) const { return runs_[static_cast<std::size_t>(end)].load(); }
  uint64_t refusals(Refusal why) const { return refused_[static_cast<std::size_t>(why)].load(); }

  void emit(const std::string& collector, pe::MetricSink& sink) const {
    static constexpr std::array<const char*, static_cast<std::size_t>(RunEnd::count)> kEnds = {
        "ok", "exit_error", "signaled", "timeout", "output_limit", "cancelled", "spawn_error"};
    static constexpr std::array<const char*, static_cast<std::size_t>(Refusal::count)> kRefusals = {
        "concurrency_limit", "bad_parameter", "deadline"};
    if (sink.family("plugin_exporter_script_runs_total", pe::MetricType::counter,
                    "Programs run by this script collector, by how the run ended.")) {
      for (std::size_t i = 0; i < kEnds.size(); ++i)
        sink.sample("plugin_exporter_script_runs_total",
                    {{"collector", collector}, {"result", kEnds[i]}},
                    static_cast<double>(runs_[i].load(std::memory_order_relaxed)));
    }
    if (sink.family("plugin_exporter_script_refused_total", pe::MetricType::counter,
                    "Collects of this script collector that started no program, by reason.")) {
      for (std::size_t i = 0; i < kRefusals.size(); ++i)
        sink.sample("plugin_exporter_script_refused_total",
                    {{"collector", collector}, {"reason", kRefusals[i]}},
                    static_cast<double>(refused_[i].load(std::memory_order_relaxed)));
    }
    if (sink.family("plugin_exporter_script_unknown_parameters_total", pe::MetricType::counter,
                    "Scrape parameters not in this collector's allowlist (ignored).")) {
      sink.sample("plugin_exporter_script_unknown_parameters_total", {{"collector", collector}},
                  static_cast<double>(unknown_.load(std::memory_order_relaxed)));
    }
  }

 private:
  std::array<std::atomic<uint64_t>, static_cast<std::size_t>(RunEnd::count)> runs_{};
  std::array<std::atomic<uint64_t>, static_cast<std::size_t>(Refusal::count)> refused_{};
  std::atomic<uint64_t> unknown_{0};
};

}  // namespace pe::script
