// metric_store.hpp — the push store: groups by grouping key, the index of
// family names and types across groups (for type conflicts), the grouping-
// label name sets present (for series that would collide across groups), the
// TTL deadlines, and the limits.
//
// Every change is decided under one mutex and costs O(size of the push)
// (plus O(families of the group) to copy its family list): the pushed
// families are parsed and validated before, outside the lock; conflicts are
// found through indexes, never by scanning the store. The change is
// expressed as a StateRecord, applied, and handed to the RecordLog (the
// WAL) in commit order. Readers (scrape, JSON, compaction) copy the group
// pointers under the lock and read the immutable GroupStates after.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/aggregation.hpp"
#include "store/family_assembler.hpp"
#include "store/group_state.hpp"
#include "store/grouping_key.hpp"
#include "store/state_record.hpp"

namespace pe::push {

// Where committed records go, in commit order (the write-ahead log).
class RecordLog {
 public:
  virtual ~RecordLog() = default;
  // Called under the store lock. Returns a ticket to wait on for durability.
  virtual uint64_t append(std::string_view framed_record) = 0;
  // Throws PushError(503) when records cannot be persisted right now.
  virtual void check_writable() = 0;
};

struct StoreLimits {
  std::size_t max_series_per_group = 0;  // 0 = unlimited (each)
  std::size_t max_series_total = 0;
  std::size_t max_groups = 0;
  int64_t pusher_ttl_ms = 0;  // forget a cumulative pusher not seen for this long (0 = never)
};

enum class HelpPolicy { last, reject };

struct PushCommand {
  GroupingKey key;
  bool replace = false;           // PUT: the group's families are replaced
  bool add = false;               // this push adds into the stored values
  bool group_aggregates = false;  // a group created by this push aggregates every push
  std::string pusher;             // cumulative pusher id ("" = values are increments)
  int64_t ttl_ms = 0;             // the group's TTL from now on (0 = none)
  int64_t now_ms = 0;
  PushedFamilies body;
};

class MetricStore {
 public:
  MetricStore(StoreLimits limits, HelpPolicy help_policy, AggregationRules rules);

  void set_log(RecordLog* log);

  // Applies a push; returns the log ticket. Throws PushError: 400 for
  // conflicts with the stored state (the group's push_failure_time_seconds
  // is set), 413/429 for limits, 503 if the log cannot persist.
  uint64_t push(const PushCommand& command);
  // The value of series `sample` of `family` in the group after a push.
  double value_of(const GroupingKey& key, std::string_view family, uint64_t series_hash) const;

  // Deletes one group; false if there was none.
  bool remove_group(const GroupingKey& key, int64_t now_ms, uint64_t& ticket);
  struct Removed {
    std::size_t groups = 0;
    std::size_t families = 0;
  };
  // Deletes the groups whose grouping labels include `subset` — or, given a
  // metric name, only that family from them.
  Removed remove_matching(const std::vector<std::pair<std::string, std::string>>& subset,
                          std::string_view metric, int64_t now_ms, uint64_t& ticket);
  // Deletes the series of family `metric` (a counter's family also by its
  // `_total` name or its stem) whose labels — their own and their group's
  // grouping labels — include `subset` (a label a series lacks counts as
  // the empty value). A family left without series is removed from its
  // group. O(series of that family).
  struct RemovedSeries {
    std::size_t groups = 0;  // groups that lost series
    std::size_t series = 0;
  };
  RemovedSeries remove_series(std::string_view metric,
                              const std::vector<std::pair<std::string, std::string>>& subset,
                              uint64_t& ticket);
  std::size_t wipe(uint64_t& ticket);
  // Removes the groups whose TTL ran out by `now_ms`; returns how many.
  std::size_t expire(int64_t now_ms, uint64_t& ticket);

  // A consistent copy of the group pointers (unexpired at `now_ms`).
  std::vector<GroupPtr> snapshot(int64_t now_ms) const;
  // The same, with `under_lock` run before the lock is released (compaction
  // rotates the log there, so the snapshot and the new segment meet exactly).
  std::vector<GroupPtr> snapshot_with(const std::function<void()>& under_lock) const;

  // Recovery: applies a record without checks or logging.
  void restore(const StateRecord& record);

  struct Totals {
    std::size_t groups = 0;
    std::size_t series = 0;
    std::size_t families = 0;
  };
  Totals totals() const;
  uint64_t expired_total() const noexcept { return expired_total_.load(); }
  const StoreLimits& limits() const noexcept { return limits_; }

 private:
  struct FamilyInfo {
    MetricType type = MetricType::unknown;
    std::string help;
    uint32_t holders = 0;  // groups holding a family of this name
  };

  static GroupPtr next_state(const GroupPtr& old, const StateRecord& rec);
  void install(const std::string& canonical, const GroupPtr& old, const GroupPtr& next);
  uint64_t log(const StateRecord& rec);
  void check_conflicts(const PushCommand& cmd, const GroupState* old, bool replace_all) const;
  void check_cross_group_duplicates(const PushCommand& cmd, const GroupState* old) const;
  uint64_t record_failure(const PushCommand& cmd, const GroupPtr& old);
  void aggregate_push(const PushCommand& cmd, const GroupState* old, StateRecord& rec) const;
  void check_limits(const PushCommand& cmd, const GroupState* old, const GroupState& next) const;

  const StoreLimits limits_;
  const HelpPolicy help_policy_;
  const AggregationRules rules_;
  RecordLog* log_ = nullptr;

  mutable std::mutex mu_;
  std::unordered_map<std::string, GroupPtr> groups_;
  std::unordered_map<std::string, FamilyInfo> registry_;
  std::map<std::vector<std::string>, uint32_t> name_sets_;
  std::set<std::pair<int64_t, std::string>> expiry_;
  std::size_t total_series_ = 0;
  std::atomic<uint64_t> expired_total_{0};
  std::string scratch_record_;
};

}  // namespace pe::push
