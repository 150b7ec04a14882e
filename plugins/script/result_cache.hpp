// result_cache.hpp — mode = "cached": the outcome of the last run per
// parameter key, served until min_interval has passed since that run
// started. Failed runs are cached too, so a failing program is not started
// again on every scrape. Bounded: beyond max_entries keys the entry whose run
// is oldest is dropped.
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
  ResultCache(int64_t min_interval_ns, std::size_t max_entries)
      : min_interval_ns_(min_interval_ns), max_entries_(max_entries) {}

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
    entries_[key] = std::move(outcome);
    while (entries_.size() > max_entries_) {
      auto oldest = entries_.begin();
      for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (it->second->started_ns < oldest->second->started_ns) oldest = it;
      entries_.erase(oldest);
    }
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return entries_.size();
  }

 private:
  const int64_t min_interval_ns_;
  const std::size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, SharedOutcome> entries_;
};

}  // namespace pe::script
