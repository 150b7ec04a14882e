// group_state.cpp — lookups in a published group.
#include "store/group_state.hpp"

#include <algorithm>
#include <limits>

namespace pe::push {

const double* PusherState::find(uint64_t hash) const {
  auto it = std::lower_bound(last.begin(), last.end(),
                             std::make_pair(hash, -std::numeric_limits<double>::infinity()),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
  return it != last.end() && it->first == hash ? &it->second : nullptr;
}

const FamilyPtr* GroupState::find(std::string_view family_name) const {
  auto it = std::lower_bound(families.begin(), families.end(), family_name,
                             [](const FamilyPtr& f, std::string_view n) { return f->name() < n; });
  return it != families.end() && (*it)->name() == family_name ? &*it : nullptr;
}

const PusherPtr* GroupState::find_pusher(std::string_view id) const {
  auto it = std::lower_bound(pushers.begin(), pushers.end(), id,
                             [](const PusherPtr& p, std::string_view n) { return p->id < n; });
  return it != pushers.end() && (*it)->id == id ? &*it : nullptr;
}

int64_t GroupState::expires_at_ms() const {
  if (ttl_ms <= 0) return std::numeric_limits<int64_t>::max();
  int64_t since = push_time_ms > 0 ? push_time_ms : failure_time_ms;
  return since + ttl_ms;
}

std::size_t GroupState::memory_bytes() const {
  std::size_t n = sizeof(*this) + families.capacity() * sizeof(FamilyPtr);
  for (const auto& f : families) n += f->memory_bytes();
  for (const auto& p : pushers) n += sizeof(PusherState) + p->last.capacity() * 16;
  return n;
}

}  // namespace pe::push
