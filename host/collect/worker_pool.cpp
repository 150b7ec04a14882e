// worker_pool.cpp — elastic thread pool for collect calls.
#include "collect/worker_pool.hpp"

#include <chrono>
#include <system_error>

namespace pe::host {

namespace {
constexpr auto kIdleExit = std::chrono::seconds(30);
}

WorkerPool::WorkerPool(std::size_t max_threads)
    : max_threads_(max_threads ? max_threads : 1), state_(std::make_shared<State>()) {}

WorkerPool::~WorkerPool() {
  shutdown(0);
}

bool WorkerPool::submit(std::function<void()> task) {
  std::unique_lock lock(state_->mu);
  if (state_->stopping) return false;
  state_->queue.push_back(std::move(task));
  if (state_->idle > 0) {
    state_->cv.notify_one();
    return true;
  }
  if (state_->threads < max_threads_) {
    ++state_->threads;
    try {
      std::thread(&WorkerPool::worker_main, state_).detach();
    } catch (const std::system_error&) {
      // Out of threads (EAGAIN): a running thread takes the task when it is
      // free; with none at all, nobody would.
      --state_->threads;
      if (state_->threads == 0) {
        state_->queue.pop_back();
        return false;
      }
    }
  }
  return true;
}

void WorkerPool::worker_main(std::shared_ptr<State> st) {
  std::unique_lock lock(st->mu);
  for (;;) {
    while (st->queue.empty() && !st->stopping) {
      ++st->idle;
      bool woke =
          st->cv.wait_for(lock, kIdleExit, [&] { return !st->queue.empty() || st->stopping; });
      --st->idle;
      if (!woke) break;  // idle too long
    }
    if (st->queue.empty() || st->stopping) break;
    auto task = std::move(st->queue.front());
    st->queue.pop_front();
    ++st->busy;
    lock.unlock();
    task();
    task = nullptr;  // destroy captures outside the lock
    lock.lock();
    --st->busy;
    st->idle_cv.notify_all();
  }
  --st->threads;
  st->idle_cv.notify_all();
}

std::size_t WorkerPool::shutdown(long grace_ms) {
  std::unique_lock lock(state_->mu);
  state_->stopping = true;
  state_->queue.clear();
  state_->cv.notify_all();
  state_->idle_cv.wait_for(lock, std::chrono::milliseconds(grace_ms),
                           [&] { return state_->busy == 0; });
  // Idle threads leave promptly; wait for them so none outlives its purpose.
  state_->idle_cv.wait(lock, [&] { return state_->threads == state_->busy; });
  return state_->busy;
}

std::size_t WorkerPool::threads() const {
  std::lock_guard lock(state_->mu);
  return state_->threads;
}
std::size_t WorkerPool::busy() const {
  std::lock_guard lock(state_->mu);
  return state_->busy;
}
std::size_t WorkerPool::queued() const {
  std::lock_guard lock(state_->mu);
  return state_->queue.size();
}

}  // namespace pe::host
