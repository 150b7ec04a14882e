// task_runner.hpp — somewhere to run blocking request work off the event
// loop: the request pool (auth, plugin routes, status pages) and the scrape
// pool (the one scrape that produces a response others share).
//
// Thread-safety: post() may be called from any thread.
#pragma once

#include <functional>

namespace pe::host {

class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  virtual void post(std::function<void()> task) = 0;
};

}  // namespace pe::host
