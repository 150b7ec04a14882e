// running_program_cap.hpp — the process-wide limit on programs running at
// once across every script collector (the plugin is loaded once per process,
// so this state is shared by all its instances). Each collector registers the
// limit it was configured with; the smallest registered limit applies. A run
// that finds the limit reached is refused at once — nothing queues.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

namespace pe::script {

class RunningProgramCap {
 public:
  static constexpr int kDefaultLimit = 32;

  // The one instance of this process.
  static RunningProgramCap& process();

  // Held while one program runs; releases its place when destroyed.
  class Slot {
   public:
    explicit Slot(RunningProgramCap* cap) : cap_(cap) {}
    Slot(Slot&& o) noexcept : cap_(o.cap_) { o.cap_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot() {
      if (cap_) cap_->running_.fetch_sub(1, std::memory_order_acq_rel);
    }

   private:
    RunningProgramCap* cap_;
  };

  // A place for one more program, or nullopt when the limit is reached.
  std::optional<Slot> try_acquire();

  // A collector's configured limit joins (or leaves) the minimum.
  void register_limit(int limit);
  void unregister_limit(int limit);

  int limit() const noexcept { return limit_.load(std::memory_order_acquire); }
  int running() const noexcept { return running_.load(std::memory_order_acquire); }

 private:
  std::atomic<int> running_{0};
  std::atomic<int> limit_{kDefaultLimit};
  std::mutex mu_;
  std::map<int, int> limits_;  // limit -> collectors that asked for it
};

// Registers a limit for the lifetime of the object.
class CapRegistration {
 public:
  CapRegistration(RunningProgramCap& cap, int limit) : cap_(&cap), limit_(limit) {
    cap_->register_limit(limit_);
  }
  ~CapRegistration() { cap_->unregister_limit(limit_); }
  CapRegistration(const CapRegistration&) = delete;
  CapRegistration& operator=(const CapRegistration&) = delete;

 private:
  RunningProgramCap* cap_;
  int limit_;
};

}  // namespace pe::script
