// remote_write_endpoint.hpp — one [[remote_write]] section at work: a
// collecting thread that every `interval` asks the round source for the
// selected collectors' metrics (the host's orchestrator: single-flight with
// scrapes, collector deadlines), turns them into samples (RoundBuilder),
// cuts them into requests of max_samples_per_send, encodes them and queues
// them; and a sending thread that sends the queue in order, one request at a
// time, retrying 5xx/429/no answer with backoff (or Retry-After) and
// dropping, counted, what any other status refuses. With protocol = "2.0"
// batches are encoded as 2.0 until the receiver shows it speaks 1.0 only
// (415, or a 2xx without the 2.0 samples-written header); from then on the
// endpoint sends 1.0, converting the 2.0 batches still queued, and the batch
// that revealed it is sent again as 1.0 at once.
//
// Thread-safety: start/stop from one thread (the runtime's); the threads it
// runs only share the queue and the metrics, both thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/remote_write_config.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host::remote_write {

class BatchQueue;
class RoundBuilder;
struct EndpointMetrics;

// The metrics of one round, kept alive by the pointers. nullopt when there
// is nothing to collect from right now (shutting down): the round is skipped
// (no staleness markers for everything).
using CollectedRound = std::vector<std::shared_ptr<const MetricSet>>;
using RoundSource = std::function<std::optional<CollectedRound>(const RemoteWriteConfig&)>;

class RemoteWriteEndpoint {
 public:
  RemoteWriteEndpoint(RemoteWriteConfig config, RoundSource source,
                      std::shared_ptr<EndpointMetrics> metrics);
  ~RemoteWriteEndpoint();
  RemoteWriteEndpoint(const RemoteWriteEndpoint&) = delete;
  RemoteWriteEndpoint& operator=(const RemoteWriteEndpoint&) = delete;

  // Opens the queue (resuming what is on disk) and starts both threads.
  bool start(std::string& error);
  // Stops both threads; a request in flight ends within `timeout`. What is
  // queued stays on disk (durable queue) or is lost (memory queue).
  void stop();

  const RemoteWriteConfig& config() const noexcept { return config_; }

 private:
  void collect_loop();
  void send_loop();
  void collect_round();
  void update_queue_gauges();

  RemoteWriteConfig config_;
  RoundSource source_;
  std::shared_ptr<EndpointMetrics> metrics_;
  std::unique_ptr<BatchQueue> queue_;
  std::unique_ptr<RoundBuilder> builder_;                               // collecting thread only
  std::atomic<RemoteWriteProtocol> protocol_{RemoteWriteProtocol::v1};  // what new batches use
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread collector_, sender_;
};

}  // namespace pe::host::remote_write
