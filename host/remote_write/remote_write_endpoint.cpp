// remote_write_endpoint.cpp — the collecting and sending threads.
#include "remote_write/remote_write_endpoint.hpp"

#include <algorithm>
#include <chrono>
#include <random>

#include "base/logging.hpp"
#include "plugin/host_api.hpp"
#include "remote_write/batch_queue.hpp"
#include "remote_write/remote_write_client.hpp"
#include "remote_write/remote_write_metrics.hpp"
#include "remote_write/retry_policy.hpp"
#include "remote_write/round_builder.hpp"
#include "remote_write/write_request_encoder.hpp"

namespace pe::host::remote_write {

RemoteWriteEndpoint::RemoteWriteEndpoint(RemoteWriteConfig config, RoundSource source,
                                         std::shared_ptr<EndpointMetrics> metrics)
    : config_(std::move(config)), source_(std::move(source)), metrics_(std::move(metrics)) {}

RemoteWriteEndpoint::~RemoteWriteEndpoint() {
  stop();
}

bool RemoteWriteEndpoint::start(std::string& error) {
  queue_ = std::make_unique<BatchQueue>(config_.queue_dir, config_.queue_capacity_bytes);
  QueueOpenStats stats;
  if (!queue_->open(stats, error)) return false;
  metrics_->drop("corrupt", stats.corrupt_samples);
  if (stats.batches > 0 || stats.corrupt_batches > 0)
    log(LogLevel::info, "remote write: resuming the queue left by the previous run",
        {{"remote_name", config_.name},
         {"batches", std::to_string(stats.batches)},
         {"samples", std::to_string(stats.samples)},
         {"corrupt_batches", std::to_string(stats.corrupt_batches)}});
  protocol_ = config_.protocol;
  metrics_->protocol = static_cast<int>(config_.protocol);
  update_queue_gauges();
  collector_ = std::thread([this] { collect_loop(); });
  sender_ = std::thread([this] { send_loop(); });
  return true;
}

void RemoteWriteEndpoint::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !collector_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (queue_) queue_->stop();
  if (collector_.joinable()) collector_.join();
  if (sender_.joinable()) sender_.join();
}

void RemoteWriteEndpoint::update_queue_gauges() {
  metrics_->queue_bytes = queue_->bytes();
  metrics_->oldest_unsent_ms = queue_->oldest_unsent_ms().value_or(0);
}

void RemoteWriteEndpoint::collect_loop() {
  using clock = std::chrono::steady_clock;
  auto next = clock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (cv_.wait_until(lock, next, [&] { return stopping_; })) break;
    lock.unlock();
    collect_round();
    lock.lock();
    next += config_.interval;
    if (next < clock::now()) next = clock::now() + config_.interval;  // fell behind: skip
  }
}

void RemoteWriteEndpoint::collect_round() {
  // The builder keeps the previous round's series (for staleness markers).
  if (!builder_)
    builder_ = std::make_unique<RoundBuilder>(config_.external_labels, config_.write_relabel);
  std::optional<CollectedRound> round;
  try {
    round = source_(config_);
  } catch (const std::exception& e) {
    log(LogLevel::warn, "remote write: collecting failed",
        {{"remote_name", config_.name}, {"error", e.what()}});
    return;
  }
  if (!round) return;
  const int64_t now = unix_now_ms();
  std::vector<const MetricSet*> sets;
  for (const auto& s : *round)
    if (s) sets.push_back(s.get());
  RoundStats stats;
  std::span<const SeriesSample> samples = builder_->build(sets, now, stats);
  metrics_->drop("duplicate", stats.duplicates);
  metrics_->drop("write_relabel", stats.relabel_dropped);
  metrics_->stale_markers += stats.stale_markers;
  const std::size_t per = config_.max_samples_per_send;
  for (std::size_t i = 0; i < samples.size(); i += per) {
    auto chunk = samples.subspan(i, std::min(per, samples.size() - i));
    int64_t oldest = chunk.front().timestamp_ms, newest = oldest;
    for (const SeriesSample& s : chunk) {
      oldest = std::min(oldest, s.timestamp_ms);
      newest = std::max(newest, s.timestamp_ms);
    }
    QueuedBatch batch;
    batch.protocol = protocol_.load();
    batch.body = encode_write_request(chunk, batch.protocol);
    batch.samples = chunk.size();
    batch.oldest_ms = oldest;
    batch.newest_ms = newest;
    bool stored = true;
    std::string error;
    uint64_t dropped = queue_->push(std::move(batch), stored, error);
    if (!stored) {
      metrics_->drop("queue_write", chunk.size());
      dropped -= std::min<uint64_t>(dropped, chunk.size());
      log(LogLevel::error, "remote write: cannot queue a batch",
          {{"remote_name", config_.name}, {"error", error}});
    }
    metrics_->drop("queue_full", dropped);
  }
  update_queue_gauges();
}

void RemoteWriteEndpoint::send_loop() {
  RemoteWriteClient client(config_);
  Backoff backoff(config_.min_backoff, config_.max_backoff);
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  bool failing = false;  // logged once per outage, not per attempt
  for (;;) {
    std::optional<QueuedBatch> batch = queue_->front(std::chrono::milliseconds(500));
    if (!batch) {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      continue;
    }
    backoff.reset();
    for (;;) {
      if (batch->protocol == Protocol::v2 && protocol_.load() == Protocol::v1) {
        std::string v1, error;
        if (!downgrade_to_v1(batch->body, v1, error)) {
          metrics_->drop("corrupt", batch->samples);
          log(LogLevel::error, "remote write: a queued 2.0 batch cannot be read; dropped",
              {{"remote_name", config_.name}, {"error", error}});
          queue_->ack(batch->seq);
          break;
        }
        batch->body = std::move(v1);
        batch->protocol = Protocol::v1;
      }
      const auto t0 = std::chrono::steady_clock::now();
      SendResult r = client.send(batch->body, batch->protocol);
      metrics_->observe_send(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      SendVerdict v = verdict_for(r.status);
      if (batch->protocol == Protocol::v2 &&
          (r.status == 415 || (v == SendVerdict::sent && !r.samples_written))) {
        // A 1.0 receiver: it refused the 2.0 content type, or read the 2.0
        // body as an empty 1.0 request. This batch and every later one go
        // as 1.0.
        if (r.status == 415) metrics_->request_failed(r.status);
        protocol_ = Protocol::v1;
        metrics_->protocol = 1;
        ++metrics_->protocol_fallbacks;
        log(LogLevel::warn, "remote write: the receiver speaks remote write 1.0 only; sending 1.0",
            {{"remote_name", config_.name},
             {"status", std::to_string(r.status)},
             {"why", r.status == 415 ? "415 Unsupported Media Type"
                                     : "no X-Prometheus-Remote-Write-Samples-Written header"}});
        continue;
      }
      if (v == SendVerdict::sent) {
        metrics_->samples_sent += batch->samples;
        ++metrics_->requests_sent;
        int64_t prev = metrics_->highest_sent_ms.load();
        while (batch->newest_ms > prev &&
               !metrics_->highest_sent_ms.compare_exchange_weak(prev, batch->newest_ms)) {
        }
        queue_->ack(batch->seq);
        if (failing)
          log(LogLevel::info, "remote write: the receiver accepts requests again",
              {{"remote_name", config_.name}});
        failing = false;
        break;
      }
      metrics_->request_failed(r.status, r.error);
      if (v == SendVerdict::drop) {
        metrics_->samples_failed += batch->samples;
        log(LogLevel::warn, "remote write: the receiver refused a request; dropped, not retried",
            {{"remote_name", config_.name},
             {"status", std::to_string(r.status)},
             {"answer", r.error}});
        queue_->ack(batch->seq);
        break;
      }
      std::chrono::nanoseconds wait = backoff.next(jitter(rng));
      if (r.retry_after)
        wait = std::min<std::chrono::nanoseconds>(*r.retry_after, std::chrono::minutes(10));
      log(failing ? LogLevel::debug : LogLevel::warn, "remote write: request failed; retrying",
          {{"remote_name", config_.name},
           {"status", std::to_string(r.status)},
           {"error", r.error},
           {"retry_in_ms", std::to_string(wait.count() / 1000000)}});
      failing = true;
      if (!queue_->sleep_for(wait)) return;      // stopping: the batch stays queued
      if (!queue_->contains(batch->seq)) break;  // dropped for capacity meanwhile
      metrics_->samples_retried += batch->samples;
    }
    update_queue_gauges();
  }
}

}  // namespace pe::host::remote_write
