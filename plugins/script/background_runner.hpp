// background_runner.hpp — mode = "background": one thread per collector runs
// the program every interval (exec-cached style) and keeps the latest
// outcome; collects only read it. Stopping (destroy) cancels a run in
// progress through an eventfd the program runner watches, then joins.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "plugin_exporter/host_clock.hpp"
#include "run_outcome.hpp"

namespace pe::script {

class BackgroundRunner {
 public:
  // run_once(cancel_fd) runs the program once; a null result (nothing ran,
  // e.g. the concurrency cap) keeps the previous outcome.
  using RunOnce = std::function<SharedOutcome(int cancel_fd)>;

  // Intervals and deadlines are on `clock` (the host's: api->monotonic_ns).
  BackgroundRunner(RunOnce run_once, int64_t interval_ns, pe::MonotonicClock clock);
  ~BackgroundRunner();  // stop()
  BackgroundRunner(const BackgroundRunner&) = delete;
  BackgroundRunner& operator=(const BackgroundRunner&) = delete;

  void start();
  void stop();

  // The latest outcome; waits for the first one until deadline_ns
  // (on the clock) if none exists yet. Null if still none then.
  SharedOutcome latest(int64_t deadline_ns);

 private:
  void loop();

  RunOnce run_once_;
  const int64_t interval_ns_;
  const pe::MonotonicClock clock_;
  int cancel_fd_ = -1;
  std::mutex mu_;
  std::condition_variable cv_;  // stop requested, or an outcome arrived
  bool stopping_ = false;
  SharedOutcome latest_;
  std::thread thread_;
};

}  // namespace pe::script
