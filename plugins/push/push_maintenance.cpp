// push_maintenance.cpp — the maintenance thread's loop: TTL expiry and
// write-ahead log compaction (with backoff after failures).
#include "push_maintenance.hpp"

#include <chrono>
#include <exception>
#include <string>

namespace pe::push {

Maintenance::Maintenance(MetricStore& store, StateDirectory* state, const PushConfig& config,
                         const pe_host_api* api, HostLog log)
    : store_(store), state_(state), config_(config), api_(api), log_(log), thread_([this] {
        run();
      }) {}

Maintenance::~Maintenance() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Maintenance::run() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; })) {
    lock.unlock();
    try {
      uint64_t ticket = 0;
      store_.expire(api_->realtime_ms(), ticket);
      if (state_) maybe_compact();
    } catch (const std::exception& e) {
      log_.error(std::string("push maintenance: ") + e.what());
    }
    lock.lock();
  }
}

void Maintenance::maybe_compact() {
  const auto wal = state_->wal()->stats();
  const int64_t now = api_->realtime_ms();
  const bool big = config_.compact_wal_bytes && wal.bytes_since_rotate >= config_.compact_wal_bytes;
  const bool due = wal.bytes_since_rotate > 0 &&
                   now - state_->last_compaction_ms() >= config_.compact_interval.count();
  // After a failure, retried with backoff until it succeeds (disk full:
  // pushes come back by themselves once space is freed).
  if (!big && !due && !state_->retry_due(now)) return;
  std::string error;
  if (state_->compact(store_, error)) {
    if (!durable_logged_) log_.info("push store is durable again");
    durable_logged_ = true;
  } else {
    log_.error("compaction failed (retried with backoff): " + error);
    durable_logged_ = false;
  }
}

}  // namespace pe::push
