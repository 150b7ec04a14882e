// remote_write_metrics.hpp — the self-metrics of remote write, per endpoint
// (labels remote_name and url), in the spirit of Prometheus's
// prometheus_remote_storage_*: samples sent, failed, retried and dropped by
// reason, stale markers, queue bytes, the age of the oldest unsent sample,
// the highest timestamp sent, and a histogram of request durations.
// Counters of an endpoint survive a restart of its sender (reload).
//
// Thread-safety: every member may be called concurrently.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/status_board.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host::remote_write {

struct EndpointMetrics {
  static constexpr std::array<double, 12> kBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                   0.5,   1,    2.5,   5,    10,  30};
  std::atomic<uint64_t> samples_sent{0};
  std::atomic<uint64_t> samples_failed{0};
  std::atomic<uint64_t> samples_retried{0};
  std::atomic<uint64_t> stale_markers{0};
  std::atomic<uint64_t> requests_sent{0};
  std::atomic<uint64_t> protocol_fallbacks{0};
  std::atomic<int> protocol{1};  // the major version now in use
  std::mutex mu;                                         // guards the maps and the histogram
  std::map<std::string, uint64_t, std::less<>> dropped;  // reason → samples
  std::map<int, uint64_t> failed_requests;               // status (0 = no answer) → requests
  std::array<uint64_t, kBuckets.size() + 1> duration_buckets{};
  double duration_sum = 0;
  uint64_t duration_count = 0;
  std::atomic<uint64_t> queue_bytes{0};
  std::atomic<int64_t> oldest_unsent_ms{0};  // 0 = nothing queued
  std::atomic<int64_t> highest_sent_ms{0};
  std::string last_error;          // guarded by mu: the last failed request's error ("" = none)
  int64_t last_error_unix_ms = 0;  // guarded by mu

  void drop(std::string_view reason, uint64_t samples);
  // Counts a failed request; `error` (status or transport error) is kept for the status page.
  void request_failed(int status, std::string_view error = {});
  void observe_send(double seconds);
};

class RemoteWriteMetrics {
 public:
  // The counters of endpoint (name, url), created on first use.
  std::shared_ptr<EndpointMetrics> endpoint(const std::string& name, const std::string& url);
  // Appends every family to `set`; `now_ms` for the age gauge.
  void export_to(MetricSet& set, int64_t now_ms) const;
  // Every endpoint seen so far (also those a reload removed) as the status
  // page shows it, secrets in URLs and errors redacted.
  std::vector<RemoteWriteStatus> status() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<EndpointMetrics>> endpoints_;
};

}  // namespace pe::host::remote_write
