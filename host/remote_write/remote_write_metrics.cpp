// remote_write_metrics.cpp — per-endpoint counters and their export.
#include "remote_write/remote_write_metrics.hpp"

#include <vector>

#include "config/config_redaction.hpp"
#include "plugin/host_api.hpp"
#include "plugin_exporter/exposition/float_format.hpp"

namespace pe::host::remote_write {

void EndpointMetrics::drop(std::string_view reason, uint64_t samples) {
  if (samples == 0) return;
  std::lock_guard lock(mu);
  auto it = dropped.find(reason);
  if (it == dropped.end()) it = dropped.emplace(std::string(reason), 0).first;
  it->second += samples;
}

void EndpointMetrics::request_failed(int status, std::string_view error) {
  const int64_t now = unix_now_ms();
  std::lock_guard lock(mu);
  ++failed_requests[status];
  last_error = status ? "HTTP " + std::to_string(status) : std::string();
  if (!error.empty()) last_error += (last_error.empty() ? "" : ": ") + std::string(error);
  last_error_unix_ms = now;
}

std::vector<RemoteWriteStatus> RemoteWriteMetrics::status() const {
  std::lock_guard lock(mu_);
  std::vector<RemoteWriteStatus> out;
  for (const auto& [key, m] : endpoints_) {
    RemoteWriteStatus r;
    r.name = key.first;
    r.url = redact_secrets_in_text(key.second);
    r.protocol = m->protocol.load();
    r.queue_bytes = m->queue_bytes.load();
    r.oldest_unsent_unix_ms = m->oldest_unsent_ms.load();
    r.samples_sent = m->samples_sent.load();
    r.samples_failed = m->samples_failed.load();
    {
      std::lock_guard endpoint_lock(m->mu);
      for (const auto& [reason, n] : m->dropped) r.samples_dropped += n;
      r.last_error = redact_secrets_in_text(m->last_error);
      r.last_error_unix_ms = m->last_error_unix_ms;
    }
    out.push_back(std::move(r));
  }
  return out;
}

void EndpointMetrics::observe_send(double seconds) {
  std::lock_guard lock(mu);
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  ++duration_buckets[i];
  duration_sum += seconds;
  ++duration_count;
}

std::shared_ptr<EndpointMetrics> RemoteWriteMetrics::endpoint(const std::string& name,
                                                              const std::string& url) {
  std::lock_guard lock(mu_);
  auto& slot = endpoints_[{name, url}];
  if (!slot) slot = std::make_shared<EndpointMetrics>();
  return slot;
}

void RemoteWriteMetrics::export_to(MetricSet& set, int64_t now_ms) const {
  std::lock_guard lock(mu_);
  if (endpoints_.empty()) return;
  std::vector<Label> labels;
  auto base = [&](const std::pair<std::string, std::string>& key) {
    labels.clear();
    labels.push_back(Label{"remote_name", set.intern(key.first)});
    labels.push_back(Label{"url", set.intern(key.second)});
  };
  auto simple = [&](std::string_view name, MetricType type, std::string_view help, auto value) {
    set.add_family(name, type, help, true);
    for (const auto& [key, m] : endpoints_) {
      base(key);
      set.add_sample(name, labels, value(*m));
    }
  };
  auto counter = [&](std::string_view name, std::string_view help,
                     std::atomic<uint64_t> EndpointMetrics::*field) {
    simple(name, MetricType::counter, help,
           [&](const EndpointMetrics& m) { return static_cast<double>((m.*field).load()); });
  };
  counter("plugin_exporter_remote_write_samples_total",
          "Samples (stale markers included) the receiver acknowledged.",
          &EndpointMetrics::samples_sent);
  counter("plugin_exporter_remote_write_samples_failed_total",
          "Samples in requests the receiver refused for good (4xx other than 429); never "
          "retried.",
          &EndpointMetrics::samples_failed);
  counter("plugin_exporter_remote_write_samples_retried_total",
          "Samples in requests sent again after a 5xx, a 429 or no answer.",
          &EndpointMetrics::samples_retried);
  counter("plugin_exporter_remote_write_stale_markers_total",
          "Staleness markers sent for series that disappeared.", &EndpointMetrics::stale_markers);
  counter("plugin_exporter_remote_write_requests_total", "Requests the receiver acknowledged.",
          &EndpointMetrics::requests_sent);
  counter("plugin_exporter_remote_write_protocol_fallbacks_total",
          "Times a protocol = \"2.0\" sender switched to 1.0 because the receiver answered 415 "
          "or acknowledged without the 2.0 samples-written header.",
          &EndpointMetrics::protocol_fallbacks);
  simple("plugin_exporter_remote_write_protocol_version", MetricType::gauge,
         "Major version of the remote write protocol now sent (1 or 2).",
         [](const EndpointMetrics& m) { return static_cast<double>(m.protocol.load()); });

  set.add_family("plugin_exporter_remote_write_samples_dropped_total", MetricType::counter,
                 "Samples never sent, by reason: queue_full (oldest dropped for the capacity), "
                 "duplicate (same series twice in one round), corrupt (unreadable queue file), "
                 "write_relabel (dropped by write_relabel rules), queue_write (the queue "
                 "could not store them).",
                 true);
  for (const auto& [key, m] : endpoints_) {
    std::lock_guard ml(m->mu);
    for (const auto& [reason, n] : m->dropped) {
      base(key);
      labels.push_back(Label{"reason", set.intern(reason)});
      set.add_sample("plugin_exporter_remote_write_samples_dropped_total", labels,
                     static_cast<double>(n));
    }
  }
  set.add_family("plugin_exporter_remote_write_failed_requests_total", MetricType::counter,
                 "Requests that were not acknowledged, by HTTP status (0: no answer).", true);
  for (const auto& [key, m] : endpoints_) {
    std::lock_guard ml(m->mu);
    for (const auto& [status, n] : m->failed_requests) {
      base(key);
      labels.push_back(Label{"code", set.intern(std::to_string(status))});
      set.add_sample("plugin_exporter_remote_write_failed_requests_total", labels,
                     static_cast<double>(n));
    }
  }
  simple("plugin_exporter_remote_write_queue_bytes", MetricType::gauge,
         "Bytes of encoded requests waiting to be sent (on disk with state_dir).",
         [](const EndpointMetrics& m) { return static_cast<double>(m.queue_bytes.load()); });
  simple("plugin_exporter_remote_write_oldest_unsent_sample_age_seconds", MetricType::gauge,
         "Age of the oldest sample not yet acknowledged (0 when the queue is empty).",
         [&](const EndpointMetrics& m) {
           int64_t t = m.oldest_unsent_ms.load();
           return t == 0 || now_ms < t ? 0.0 : static_cast<double>(now_ms - t) / 1000.0;
         });
  simple("plugin_exporter_remote_write_highest_sent_timestamp_seconds", MetricType::gauge,
         "Newest sample timestamp the receiver acknowledged.", [](const EndpointMetrics& m) {
           return static_cast<double>(m.highest_sent_ms.load()) / 1e3;
         });

  set.add_family("plugin_exporter_remote_write_send_duration_seconds", MetricType::histogram,
                 "Duration of remote write requests, answered or not.", true);
  for (const auto& [key, m] : endpoints_) {
    std::lock_guard ml(m->mu);
    uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= EndpointMetrics::kBuckets.size(); ++i) {
      cumulative += m->duration_buckets[i];
      base(key);
      char buf[kMaxNumberChars];
      std::string le = i < EndpointMetrics::kBuckets.size()
                           ? std::string(buf, format_double(buf, EndpointMetrics::kBuckets[i]))
                           : std::string("+Inf");
      labels.push_back(Label{"le", set.intern(le)});
      set.add_sample("plugin_exporter_remote_write_send_duration_seconds_bucket", labels,
                     static_cast<double>(cumulative));
    }
    base(key);
    set.add_sample("plugin_exporter_remote_write_send_duration_seconds_sum", labels,
                   m->duration_sum);
    set.add_sample("plugin_exporter_remote_write_send_duration_seconds_count", labels,
                   static_cast<double>(m->duration_count));
  }
}

}  // namespace pe::host::remote_write
