// worker_pool.hpp — the collector pool: threads separate from the HTTP
// threads that run plugin collect calls. Elastic: a thread is started when a
// task arrives and none is idle (up to max_threads), idle threads exit after
// a while. A collect that never returns holds one thread, never the pool.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace pe::host {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t max_threads);
  ~WorkerPool();  // waits for running tasks that finish; see shutdown()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`. Never blocks. Returns false, and drops the task, when the
  // pool is stopping or no thread exists and none could be started (the
  // caller must then answer whoever waits for the task).
  [[nodiscard]] bool submit(std::function<void()> task);

  // Stops taking tasks, drops queued ones, and waits up to `grace_ms` for
  // running ones. Returns the number of threads still busy (stuck) after it;
  // they keep only the pool's shared state alive, so the pool may go away.
  std::size_t shutdown(long grace_ms);

  std::size_t threads() const;
  std::size_t busy() const;
  std::size_t queued() const;

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;       // work arrived or stopping
    std::condition_variable idle_cv;  // a task finished or a thread left
    std::deque<std::function<void()>> queue;
    std::size_t threads = 0;
    std::size_t idle = 0;
    std::size_t busy = 0;
    bool stopping = false;
  };
  static void worker_main(std::shared_ptr<State> state);
  const std::size_t max_threads_;
  std::shared_ptr<State> state_;
};

}  // namespace pe::host
