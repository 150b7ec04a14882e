// background_runner.cpp — the interval loop and its prompt shutdown.
#include "background_runner.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <stdexcept>

namespace pe::script {

BackgroundRunner::BackgroundRunner(RunOnce run_once, int64_t interval_ns, pe::MonotonicClock clock)
    : run_once_(std::move(run_once)), interval_ns_(interval_ns), clock_(clock) {}

BackgroundRunner::~BackgroundRunner() {
  stop();
}

void BackgroundRunner::start() {
  cancel_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (cancel_fd_ < 0) throw std::runtime_error("eventfd failed");
  thread_ = std::thread([this] { loop(); });
}

void BackgroundRunner::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (cancel_fd_ >= 0) {
    uint64_t one = 1;
    ssize_t n = ::write(cancel_fd_, &one, sizeof one);  // a running program is terminated
    (void)n;
  }
  if (thread_.joinable()) thread_.join();
  if (cancel_fd_ >= 0) ::close(cancel_fd_);
  cancel_fd_ = -1;
}

void BackgroundRunner::loop() {
  for (;;) {
    const int64_t started = clock_();
    SharedOutcome outcome = run_once_(cancel_fd_);
    std::unique_lock lock(mu_);
    if (outcome && !stopping_) {
      latest_ = std::move(outcome);
      cv_.notify_all();
    }
    // The next run starts an interval after this one started (at once if
    // this one took longer).
    pe::wait_until(cv_, lock, clock_, started + interval_ns_, [&] { return stopping_; });
    if (stopping_) return;
  }
}

SharedOutcome BackgroundRunner::latest(int64_t deadline_ns) {
  std::unique_lock lock(mu_);
  pe::wait_until(cv_, lock, clock_, deadline_ns, [&] { return latest_ != nullptr || stopping_; });
  return latest_;
}

}  // namespace pe::script
