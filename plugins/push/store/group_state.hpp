// group_state.hpp — one push group as the store publishes it: grouping key,
// push / failure timestamps, TTL, whether it aggregates, its families (by
// name) and the last values of the cumulative pushers that feed it. A
// published GroupState is immutable; a change publishes a new one that
// shares the unchanged families (copy-on-write), so scrapes, the JSON status
// and compaction read a consistent snapshot without holding the store lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/grouping_key.hpp"
#include "store/stored_family.hpp"

namespace pe::push {

// What a pusher that sends cumulative values ("?pusher=<id>") last sent, per
// series identity hash, so only the increase is added to the aggregate.
struct PusherState {
  std::string id;
  int64_t last_seen_ms = 0;
  std::vector<std::pair<uint64_t, double>> last;  // sorted by hash
  const double* find(uint64_t hash) const;
};
using PusherPtr = std::shared_ptr<const PusherState>;

struct GroupState {
  std::shared_ptr<const GroupingKey> key;
  int64_t push_time_ms = 0;         // last successful push; 0 = none yet
  int64_t failure_time_ms = 0;      // last refused push; 0 = none
  int64_t ttl_ms = 0;               // 0 = never expires
  bool aggregate = false;           // pushes add up instead of replacing
  std::vector<FamilyPtr> families;  // sorted by name
  std::vector<PusherPtr> pushers;   // sorted by id
  std::size_t series = 0;

  const FamilyPtr* find(std::string_view family_name) const;
  const PusherPtr* find_pusher(std::string_view id) const;
  // Wall-clock millisecond at which the group expires, or INT64_MAX.
  int64_t expires_at_ms() const;
  std::size_t memory_bytes() const;
};
using GroupPtr = std::shared_ptr<const GroupState>;

}  // namespace pe::push
