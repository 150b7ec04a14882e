// single_flight.hpp — single-flight: callers that want the same result (the
// same key) while it is being computed join the one computation in flight
// instead of starting another. Used by the host (collects, scrape responses)
// and by plugins (the script plugin's program runs).
//
// One caller of a key leads: it computes the result (inline, on a pool, as it
// likes) and completes the flight; the key is then free, so the next caller
// starts a new computation (nothing is cached). Everyone else joins and gets
// the leader's result either
//   - by callback (Flight::then): no thread waits; the callback runs on the
//     thread that completes the flight, or at once if it already completed; or
//   - by blocking until its own deadline (Flight::wait_until, or run()).
// A callback has no deadline of its own (a caller that must answer by one
// keeps its own timer). The leader must complete its flight on every path
// (produce() and run() do): until then the key stays joined.
// Deadlines are nanoseconds on the monotonic clock the SingleFlight is given
// (a plugin passes api->monotonic_ns, the host its own CLOCK_MONOTONIC, a
// test a fake clock). A flight carries its leader's deadline; a caller that
// joins after it passed still joins (the computation is not started again
// while one is running) and learns so from Ticket::late. Exceptions: a
// computation's exception becomes the result `on_exception` makes of it, for
// every waiter; run() rethrows it to the leader.
//
// Thread-safety: every member of SingleFlight and Flight may be called from
// any thread concurrently. Callbacks and the clock are called without the
// SingleFlight's lock held, except the clock, which a blocking wait calls
// under its flight's lock (it must be cheap and must not touch the flight).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "plugin_exporter/host_clock.hpp"

namespace pe {

template <class Key, class Result, class Hash = std::hash<Key>, class KeyEqual = std::equal_to<Key>>
class SingleFlight {
 public:
  // One computation in flight and, once complete, its result. Thread-safe.
  class Flight {
   public:
    using Callback = std::function<void(const Result&)>;

    Flight(Key key, int64_t started_ns, int64_t deadline_ns, MonotonicClock now)
        : key_(std::move(key)), started_ns_(started_ns), deadline_ns_(deadline_ns), clock_(now) {}

    const Key& key() const noexcept { return key_; }
    int64_t started_ns() const noexcept { return started_ns_; }
    int64_t deadline_ns() const noexcept { return deadline_ns_; }  // the leader's
    bool done() const {
      std::lock_guard lock(mu_);
      return result_.has_value();
    }

    // Calls `callback(result)` once: on the thread that completes the flight,
    // or right here if it already completed. Nothing waits. A callback should
    // not throw (if one does, the others still run and complete() rethrows).
    void then(Callback callback) {
      std::unique_lock lock(mu_);
      if (!result_) {
        callbacks_.push_back(std::move(callback));
        return;
      }
      lock.unlock();
      callback(*result_);  // immutable once set
    }

    // Blocks until the flight completes or the clock reaches `deadline_ns`
    // (the caller's own). The result, or nullopt if the deadline came first.
    std::optional<Result> wait_until(int64_t deadline_ns) const {
      std::unique_lock lock(mu_);
      pe::wait_until(cv_, lock, clock_, deadline_ns, [&] { return result_.has_value(); });
      return result_;
    }

   private:
    friend class SingleFlight;

    // Stores the result, wakes blocked waiters, runs the callbacks. False if
    // the flight had already completed (the result is then left as it was).
    bool complete(Result result) {
      std::vector<Callback> callbacks;
      {
        std::lock_guard lock(mu_);
        if (result_) return false;
        result_.emplace(std::move(result));
        callbacks.swap(callbacks_);
      }
      cv_.notify_all();
      std::exception_ptr first_failure;
      for (Callback& c : callbacks) {
        try {
          c(*result_);
        } catch (...) {
          if (!first_failure) first_failure = std::current_exception();
        }
      }
      if (first_failure) std::rethrow_exception(first_failure);
      return true;
    }

    const Key key_;
    const int64_t started_ns_;
    const int64_t deadline_ns_;
    const MonotonicClock clock_;
    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    std::optional<Result> result_;  // set once, then read without the lock
    std::vector<Callback> callbacks_;
  };

  using FlightPtr = std::shared_ptr<Flight>;

  struct Ticket {
    FlightPtr flight;
    bool leader = false;  // started the flight: must complete it (complete/produce)
    bool late = false;    // joined a flight whose deadline had already passed
  };

  // What run() gives its caller.
  struct Outcome {
    std::optional<Result> result;  // nullopt: a joiner's deadline came first
    bool led = false;              // this caller computed it
  };

  explicit SingleFlight(MonotonicClock now) : clock_(now) {}
  SingleFlight(const SingleFlight&) = delete;
  SingleFlight& operator=(const SingleFlight&) = delete;

  // Joins the flight of `key`, or starts one whose deadline is `deadline_ns`
  // (the caller is then its leader and must complete it).
  Ticket join_or_lead(const Key& key, int64_t deadline_ns) {
    const int64_t now = clock_();
    std::lock_guard lock(mu_);
    auto [it, inserted] = flights_.try_emplace(key);
    if (inserted) {
      it->second = std::make_shared<Flight>(key, now, deadline_ns, clock_);
      return Ticket{it->second, true, false};
    }
    ++joined_;
    return Ticket{it->second, false, it->second->deadline_ns() <= now};
  }

  // The flight of `key` in progress, or null. Does not count as a join.
  FlightPtr find(const Key& key) const {
    std::lock_guard lock(mu_);
    auto it = flights_.find(key);
    return it == flights_.end() ? nullptr : it->second;
  }

  // The leader's completion: frees the key (a later caller starts anew), then
  // gives `result` to every waiter. Callbacks run on this thread.
  void complete(const FlightPtr& flight, Result result) {
    {
      std::lock_guard lock(mu_);
      auto it = flights_.find(flight->key());
      if (it != flights_.end() && it->second == flight) flights_.erase(it);
    }
    flight->complete(std::move(result));
  }

  // Completes `flight` (the caller leads it) with compute(), or, if that
  // throws, with on_exception(std::exception_ptr), which must not throw (a
  // waiter must never be left hanging: std::terminate otherwise). Nothing is
  // rethrown: every waiter, the leader's callback included, gets the result.
  template <class Compute, class OnException>
  void produce(const FlightPtr& flight, Compute&& compute, OnException&& on_exception) {
    std::optional<Result> result;
    try {
      result.emplace(compute());
    } catch (...) {
      result.emplace(failure(on_exception, std::current_exception()));
    }
    complete(flight, std::move(*result));
  }

  // The blocking convenience: leads and runs compute() on this thread, or
  // joins and waits until `deadline_ns` (this caller's own). If compute()
  // throws, the waiters get on_exception(error) (which must not throw) and
  // the exception is rethrown to this caller.
  template <class Compute, class OnException>
  Outcome run(const Key& key, int64_t deadline_ns, Compute&& compute, OnException&& on_exception) {
    Ticket ticket = join_or_lead(key, deadline_ns);
    if (!ticket.leader) return Outcome{ticket.flight->wait_until(deadline_ns), false};
    std::optional<Result> result;
    try {
      result.emplace(compute());
    } catch (...) {
      complete(ticket.flight, failure(on_exception, std::current_exception()));
      throw;
    }
    complete(ticket.flight, *result);
    return Outcome{std::move(result), true};
  }

  // Flights in progress.
  std::size_t in_flight() const {
    std::lock_guard lock(mu_);
    return flights_.size();
  }
  // One flight in progress (which one is unspecified), or null.
  FlightPtr any_in_flight() const {
    std::lock_guard lock(mu_);
    return flights_.empty() ? nullptr : flights_.begin()->second;
  }
  // Callers of join_or_lead (and run) that joined another's flight.
  uint64_t joined_total() const {
    std::lock_guard lock(mu_);
    return joined_;
  }
  MonotonicClock clock() const noexcept { return clock_; }

 private:
  template <class OnException>
  static Result failure(OnException& on_exception, std::exception_ptr error) noexcept {
    return on_exception(std::move(error));
  }

  const MonotonicClock clock_;
  mutable std::mutex mu_;
  std::unordered_map<Key, FlightPtr, Hash, KeyEqual> flights_;
  uint64_t joined_ = 0;
};

}  // namespace pe
