// result_cache.hpp — mode = "cached": the outcome of the last run per
// parameter key, served until min_interval has passed since that run
// started. Failed runs are cached too, so a failing program is not started
// again on every scrape. Bounded: beyond max_entries keys, or max_bytes of
// kept output, the entries whose runs are oldest are dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "run_outcome.hpp"

namespace pe::script {

class ResultCache {
 public:
  ResultCache(int64_t min_interval_ns, std::size_t max_entries, std::size_t max_bytes)
      : min_interval_ns_(min_interval_ns), max_entries_(max_entries), max_bytes_(max_bytes) {}

  // The cached outcome for `key` if its run started less than min_interval
  // before now_ns, else null.
  SharedOutcome fresh(const std::string& key, int64_t now_ns) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || now_ns - it->second->started_ns >= min_interval_ns_) return nullptr;
    return it->second;
  }

  // Keeps `outcome` (of a run that really ran) for `key`.
  void store(const std::string& key, SharedOutcome outcome) {
    if (!outcome || !outcome->ran) return;
    std::lock_guard lock(mu_);
    SharedOutcome& slot = entries_[key];
    if (slot) bytes_ -= slot->output.size();
    bytes_ += outcome->output.size();
    slot = std::move(outcome);
    // One entry always stays, even if it alone exceeds max_bytes.
    while (entries_.size() > 1 && (entries_.size() > max_entries_ || bytes_ > max_bytes_)) {
      auto oldest = entries_.begin();
      for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (it->second->started_ns < oldest->second->started_ns) oldest = it;
      bytes_ -= oldest->second->output.size();
      entries_.erase(oldest);
    }
  }

  std::size_t bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return entries_.size();
  }

 private:
  const int64_t min_interval_ns_;
  const std::size_t max_entries_;
  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, SharedOutcome> entries_;
};

}  // namespace pe::script
