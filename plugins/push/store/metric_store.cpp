// metric_store.cpp — commits, conflicts, limits, expiry and recovery of the
// push store.
#include "store/metric_store.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "store/push_error.hpp"

namespace pe::push {
namespace {

void put_family(std::vector<FamilyPtr>& families, FamilyPtr f) {
  auto it =
      std::lower_bound(families.begin(), families.end(), f->name(),
                       [](const FamilyPtr& a, const std::string& n) { return a->name() < n; });
  if (it != families.end() && (*it)->name() == f->name())
    *it = std::move(f);
  else
    families.insert(it, std::move(f));
}

void erase_family(std::vector<FamilyPtr>& families, std::string_view name) {
  std::erase_if(families, [&](const FamilyPtr& f) { return f->name() == name; });
}

void put_pusher(std::vector<PusherPtr>& pushers, PusherPtr p) {
  auto it = std::lower_bound(pushers.begin(), pushers.end(), p->id,
                             [](const PusherPtr& a, const std::string& n) { return a->id < n; });
  if (it != pushers.end() && (*it)->id == p->id)
    *it = std::move(p);
  else
    pushers.insert(it, std::move(p));
}

std::vector<std::string> names_of(const GroupingKey& key) {
  std::vector<std::string> names;
  for (const auto& [k, v] : key.labels) names.push_back(k);
  return names;
}

std::string type_name(MetricType t) {
  return std::string(to_string(t));
}

// Sample-name suffixes a family of `type` generates.
std::vector<std::string_view> generated_suffixes(MetricType type) {
  switch (type) {
    case MetricType::histogram:
      return {"_bucket", "_sum", "_count", "_created"};
    case MetricType::summary:
      return {"_sum", "_count", "_created"};
    case MetricType::gaugehistogram:
      return {"_bucket", "_gsum", "_gcount"};
    case MetricType::counter:
      return {"_created"};
    case MetricType::info:
      return {"_info"};
    default:
      return {};
  }
}

// A cumulative pusher's state after a push: the values it pushed now, plus
// those of `previous` for series this push did not mention.
PusherPtr next_pusher_state(const std::string& id, int64_t now_ms,
                            std::vector<std::pair<uint64_t, double>> pusher_values,
                            const PusherState* previous) {
  auto state = std::make_shared<PusherState>();
  state->id = id;
  state->last_seen_ms = now_ms;
  std::sort(pusher_values.begin(), pusher_values.end());
  if (previous) {
    std::vector<std::pair<uint64_t, double>> merged;
    std::merge(pusher_values.begin(), pusher_values.end(), previous->last.begin(),
               previous->last.end(), std::back_inserter(merged),
               [](const auto& a, const auto& b) { return a.first < b.first; });
    merged.erase(std::unique(merged.begin(), merged.end(),
                             [](const auto& a, const auto& b) { return a.first == b.first; }),
                 merged.end());
    pusher_values.swap(merged);
  }
  state->last = std::move(pusher_values);
  return state;
}

}  // namespace

MetricStore::MetricStore(StoreLimits limits, HelpPolicy help_policy, AggregationRules rules)
    : limits_(limits), help_policy_(help_policy), rules_(std::move(rules)) {}

void MetricStore::set_log(RecordLog* log) {
  std::lock_guard lock(mu_);
  log_ = log;
}

GroupPtr MetricStore::next_state(const GroupPtr& old, const StateRecord& rec) {
  auto next = old ? std::make_shared<GroupState>(*old) : std::make_shared<GroupState>();
  if (!old) next->key = std::make_shared<GroupingKey>(rec.key);
  next->push_time_ms = rec.push_time_ms;
  next->failure_time_ms = rec.failure_time_ms;
  next->ttl_ms = rec.ttl_ms;
  next->aggregate = rec.aggregate;
  if (rec.replace_all) {
    next->families.clear();
    next->pushers.clear();
  }
  for (const auto& n : rec.removed_families) erase_family(next->families, n);
  for (const auto& f : rec.families) put_family(next->families, f);
  for (const auto& n : rec.removed_pushers)
    std::erase_if(next->pushers, [&](const PusherPtr& p) { return p->id == n; });
  for (const auto& p : rec.pushers) put_pusher(next->pushers, p);
  next->series = 0;
  for (const auto& f : next->families) next->series += f->size();
  return next;
}

void MetricStore::install(const std::string& canonical, const GroupPtr& old, const GroupPtr& next) {
  // Family index: holders of each name.
  auto release = [&](const StoredFamily& f) {
    auto it = registry_.find(f.name());
    if (it != registry_.end() && --it->second.holders == 0) registry_.erase(it);
  };
  auto acquire = [&](const StoredFamily& f) {
    FamilyInfo& info = registry_[f.name()];
    if (info.holders++ == 0) {
      info.type = f.type();
      info.help = f.help();
    } else if (help_policy_ == HelpPolicy::last) {
      info.help = f.help();
    }
  };
  if (old && next) {
    // Only the families that changed identity move in the index.
    for (const auto& f : old->families) {
      const FamilyPtr* n = next->find(f->name());
      if (!n || (*n)->type() != f->type()) release(*f);
    }
    for (const auto& f : next->families) {
      const FamilyPtr* o = old->find(f->name());
      if (!o || (*o)->type() != f->type())
        acquire(*f);
      else if ((*o)->help() != f->help() && help_policy_ == HelpPolicy::last)
        registry_[f->name()].help = f->help();
    }
  } else {
    if (old)
      for (const auto& f : old->families) release(*f);
    if (next)
      for (const auto& f : next->families) acquire(*f);
  }
  if (old) {
    total_series_ -= old->series;
    expiry_.erase({old->expires_at_ms(), canonical});
  }
  if (next) {
    total_series_ += next->series;
    if (next->ttl_ms > 0) expiry_.insert({next->expires_at_ms(), canonical});
  }
  if (!old && next) ++name_sets_[names_of(*next->key)];
  if (old && !next) {
    auto it = name_sets_.find(names_of(*old->key));
    if (it != name_sets_.end() && --it->second == 0) name_sets_.erase(it);
  }
  if (next)
    groups_[canonical] = next;
  else
    groups_.erase(canonical);
}

uint64_t MetricStore::log(const StateRecord& rec) {
  if (!log_) return 0;
  scratch_record_.clear();
  encode_record(rec, scratch_record_);
  return log_->append(scratch_record_);
}

void MetricStore::check_conflicts(const PushCommand& cmd, const GroupState* old,
                                  bool replace_all) const {
  std::unordered_set<std::string_view> pushed;
  for (const auto& f : cmd.body.families) pushed.insert(f->name());
  // Holders of `name` other than this group's copy that the push replaces.
  auto others = [&](const std::string& name) -> const FamilyInfo* {
    auto it = registry_.find(name);
    if (it == registry_.end()) return nullptr;
    uint32_t n = it->second.holders;
    if (old && old->find(name) && (replace_all || pushed.count(name))) --n;
    return n > 0 ? &it->second : nullptr;
  };
  auto refuse = [&](const std::string& message) {
    throw PushError(400,
                    "pushed metrics are invalid or inconsistent with existing metrics: " + message);
  };
  for (const auto& f : cmd.body.families) {
    const std::string& name = f->name();
    const MetricType type = f->type();
    if (cmd.add || (old && old->aggregate)) {
      if (old)
        if (const FamilyPtr* stored = old->find(name); stored && (*stored)->type() != type)
          refuse("metric family " + name + " is " + type_name(type) +
                 " but the group stores it as " + type_name((*stored)->type()) +
                 " and adds pushes up");
    }
    if (const FamilyInfo* info = others(name)) {
      if (info->type != type)
        refuse("metric family " + name + " pushed as " + type_name(type) +
               " but stored by other groups as " + type_name(info->type));
      if (help_policy_ == HelpPolicy::reject && info->help != f->help())
        refuse("metric family " + name + " has help \"" + f->help() +
               "\" but other groups store it with help \"" + info->help +
               "\" (help_mismatch = \"reject\")");
    }
    if (type == MetricType::counter) {
      if (name.ends_with("_total")) {
        const FamilyInfo* info = others(name.substr(0, name.size() - 6));
        if (info && info->type != MetricType::counter)
          refuse("counter " + name + " collides with the " + type_name(info->type) + " family " +
                 name.substr(0, name.size() - 6));
      } else if (const FamilyInfo* info = others(name + "_total");
                 info && info->type != MetricType::counter) {
        refuse("counter " + name + " collides with the " + type_name(info->type) + " family " +
               name + "_total");
      }
    }
    for (std::string_view suffix : generated_suffixes(type))
      if (const FamilyInfo* info = others(name + std::string(suffix)))
        refuse(type_name(type) + " " + name + " generates samples named " + name +
               std::string(suffix) + ", which collides with the stored " + type_name(info->type) +
               " family of that name");
    for (std::string_view suffix :
         {"_bucket", "_sum", "_count", "_gsum", "_gcount", "_created", "_info"}) {
      if (!name.ends_with(suffix)) continue;
      const std::string base = name.substr(0, name.size() - suffix.size());
      const FamilyInfo* info = others(base);
      if (!info) continue;
      for (std::string_view s : generated_suffixes(info->type))
        if (s == suffix)
          refuse("metric family " + name + " collides with the samples of the stored " +
                 type_name(info->type) + " " + base);
    }
  }
}

void MetricStore::check_cross_group_duplicates(const PushCommand& cmd,
                                               const GroupState* old) const {
  const std::vector<std::string> own = names_of(cmd.key);
  std::vector<std::pair<std::string_view, std::string_view>> full;
  std::vector<LabelPairView> frame;
  std::string canonical;
  for (const auto& [names, count] : name_sets_) {
    if (names == own) continue;
    for (const auto& f : cmd.body.families) {
      for (const auto& s : f->series()) {
        // The series' labels as scraped: grouping labels + its own (+ instance="").
        full.clear();
        for (const auto& [k, v] : cmd.key.labels) full.emplace_back(k, v);
        for (const auto& l : f->labels_of(s)) full.emplace_back(f->str(l.name), f->str(l.value));
        // Project onto this name set: the key of the group that could hold it.
        canonical.clear();
        for (const std::string& n : names) {
          std::string_view v;
          for (const auto& [k, val] : full)
            if (k == n) v = val;
          canonical += n;
          canonical.push_back('\xff');
          canonical += v;
          canonical.push_back('\xff');
        }
        auto it = groups_.find(canonical);
        if (it == groups_.end() || it->second.get() == old) continue;
        const GroupState& other = *it->second;
        const FamilyPtr* of = other.find(f->name());
        if (!of) continue;
        frame.clear();
        for (const auto& [k, v] : full)
          if (!other.key->find(k) && !v.empty()) frame.push_back(LabelPairView{k, v});
        std::sort(frame.begin(), frame.end(),
                  [](const LabelPairView& a, const LabelPairView& b) { return a.name < b.name; });
        if ((*of)->find(series_hash(f->str(s.name), frame)) >= 0)
          throw PushError(
              400, "pushed metrics are invalid or inconsistent with existing metrics: series " +
                       describe_series(*f, s) + " of group " + cmd.key.describe() +
                       " is the same series as one stored by group " + other.key->describe());
      }
    }
  }
}

uint64_t MetricStore::record_failure(const PushCommand& cmd, const GroupPtr& old) {
  if (!old && limits_.max_groups && groups_.size() >= limits_.max_groups) return 0;
  StateRecord rec;
  rec.key = cmd.key;
  rec.push_time_ms = old ? old->push_time_ms : 0;
  rec.failure_time_ms = cmd.now_ms;
  rec.ttl_ms = old ? old->ttl_ms : cmd.ttl_ms;
  rec.aggregate = old ? old->aggregate : cmd.group_aggregates;
  GroupPtr next = next_state(old, rec);
  install(cmd.key.canonical, old, next);
  return log(rec);
}

uint64_t MetricStore::push(const PushCommand& cmd) {
  std::lock_guard lock(mu_);
  if (log_) log_->check_writable();
  auto it = groups_.find(cmd.key.canonical);
  GroupPtr old = it == groups_.end() ? nullptr : it->second;
  const bool group_aggregates = old ? old->aggregate : cmd.group_aggregates;
  const bool add = cmd.add || group_aggregates;
  const bool replace_all = cmd.replace && !add;
  try {
    check_conflicts(cmd, old.get(), replace_all);
    if (name_sets_.size() > 1 ||
        (name_sets_.size() == 1 && name_sets_.begin()->first != names_of(cmd.key)))
      check_cross_group_duplicates(cmd, old.get());
  } catch (const PushError&) {
    record_failure(cmd, old);
    throw;
  }

  StateRecord rec;
  rec.key = cmd.key;
  rec.push_time_ms = cmd.now_ms;
  rec.failure_time_ms = old ? old->failure_time_ms : 0;
  rec.ttl_ms = cmd.ttl_ms;
  rec.aggregate = group_aggregates;
  rec.replace_all = replace_all;
  if (!add)
    rec.families.assign(cmd.body.families.begin(), cmd.body.families.end());
  else
    aggregate_push(cmd, old.get(), rec);
  GroupPtr next = next_state(old, rec);
  check_limits(cmd, old.get(), *next);
  install(cmd.key.canonical, old, next);
  return log(rec);
}

// A push into an aggregating group or with add semantics: each family
// aggregated into the stored one, the pusher's state, stale pushers dropped.
void MetricStore::aggregate_push(const PushCommand& cmd, const GroupState* old,
                                 StateRecord& rec) const {
  const PusherState* previous = nullptr;
  if (old && !cmd.pusher.empty())
    if (const PusherPtr* p = old->find_pusher(cmd.pusher)) previous = p->get();
  std::vector<std::pair<uint64_t, double>> pusher_values;
  for (const auto& f : cmd.body.families) {
    const FamilyPtr* stored = old ? old->find(f->name()) : nullptr;
    rec.families.push_back(aggregate_family(stored ? stored->get() : nullptr, *f,
                                            rules_.gauge_rule_for(f->name()), previous,
                                            cmd.pusher.empty() ? nullptr : &pusher_values));
  }
  if (!cmd.pusher.empty())
    rec.pushers.push_back(
        next_pusher_state(cmd.pusher, cmd.now_ms, std::move(pusher_values), previous));
  if (old && limits_.pusher_ttl_ms > 0)
    for (const auto& p : old->pushers)
      if (p->id != cmd.pusher && p->last_seen_ms + limits_.pusher_ttl_ms < cmd.now_ms)
        rec.removed_pushers.push_back(p->id);
}

// Throws PushError (413/429) if the group after the push breaks a limit.
void MetricStore::check_limits(const PushCommand& cmd, const GroupState* old,
                               const GroupState& next) const {
  if (!old && limits_.max_groups && groups_.size() >= limits_.max_groups)
    throw PushError(
        429,
        "the store holds " + std::to_string(groups_.size()) + " groups, the limit (max_groups)",
        "max_groups");
  if (limits_.max_series_per_group && next.series > limits_.max_series_per_group)
    throw PushError(413,
                    "group " + cmd.key.describe() + " would hold " + std::to_string(next.series) +
                        " series, more than the limit of " +
                        std::to_string(limits_.max_series_per_group) + " (max_series_per_group)",
                    "max_series_per_group");
  const std::size_t total_after = total_series_ - (old ? old->series : 0) + next.series;
  if (limits_.max_series_total && total_after > limits_.max_series_total &&
      next.series > (old ? old->series : 0))
    throw PushError(429,
                    "the store would hold " + std::to_string(total_after) +
                        " series, more than the limit of " +
                        std::to_string(limits_.max_series_total) + " (max_series_total)",
                    "max_series_total");
}

double MetricStore::value_of(const GroupingKey& key, std::string_view family, uint64_t hash) const {
  std::lock_guard lock(mu_);
  auto it = groups_.find(key.canonical);
  if (it == groups_.end()) return 0;
  const FamilyPtr* f = it->second->find(family);
  if (!f) return 0;
  long i = (*f)->find(hash);
  return i < 0 ? 0 : (*f)->series()[static_cast<std::size_t>(i)].value;
}

bool MetricStore::remove_group(const GroupingKey& key, int64_t, uint64_t& ticket) {
  std::lock_guard lock(mu_);
  if (log_) log_->check_writable();
  auto it = groups_.find(key.canonical);
  if (it == groups_.end()) return false;
  GroupPtr old = it->second;
  StateRecord rec;
  rec.op = StateRecord::Op::remove;
  rec.key = key;
  install(key.canonical, old, nullptr);
  ticket = log(rec);
  return true;
}

MetricStore::Removed MetricStore::remove_matching(
    const std::vector<std::pair<std::string, std::string>>& subset, std::string_view metric,
    int64_t, uint64_t& ticket) {
  std::lock_guard lock(mu_);
  if (log_) log_->check_writable();
  Removed removed;
  std::vector<GroupPtr> matching;
  for (const auto& [canonical, g] : groups_) {
    bool all = true;
    for (const auto& [k, v] : subset) {
      const std::string* have = g->key->find(k);
      if (!have || *have != v) all = false;
    }
    if (all) matching.push_back(g);
  }
  for (const GroupPtr& g : matching) {
    StateRecord rec;
    rec.key = *g->key;
    if (metric.empty()) {
      rec.op = StateRecord::Op::remove;
      install(g->key->canonical, g, nullptr);
      ++removed.groups;
    } else {
      if (!g->find(metric)) continue;
      rec.push_time_ms = g->push_time_ms;
      rec.failure_time_ms = g->failure_time_ms;
      rec.ttl_ms = g->ttl_ms;
      rec.aggregate = g->aggregate;
      rec.removed_families.emplace_back(metric);
      install(g->key->canonical, g, next_state(g, rec));
      ++removed.families;
    }
    ticket = log(rec);
  }
  return removed;
}

MetricStore::RemovedSeries MetricStore::remove_series(
    std::string_view metric, const std::vector<std::pair<std::string, std::string>>& subset,
    uint64_t& ticket) {
  std::vector<std::string> names{std::string(metric)};
  if (metric.ends_with("_total"))
    names.emplace_back(metric.substr(0, metric.size() - std::strlen("_total")));
  else
    names.push_back(std::string(metric) + "_total");
  std::lock_guard lock(mu_);
  if (log_) log_->check_writable();
  RemovedSeries removed;
  std::vector<std::pair<GroupPtr, FamilyPtr>> holders;
  for (const auto& [canonical, g] : groups_)
    for (const std::string& n : names)
      if (registry_.count(n))
        if (const FamilyPtr* f = g->find(n)) holders.emplace_back(g, *f);
  for (const auto& [g, family] : holders) {
    // Grouping labels decide for the whole group; the rest series by series.
    std::vector<std::pair<std::string_view, std::string_view>> per_series;
    bool group_matches = true;
    for (const auto& [k, v] : subset) {
      if (const std::string* have = g->key->find(k)) {
        group_matches = group_matches && *have == v;
      } else {
        per_series.emplace_back(k, v);
      }
    }
    if (!group_matches) continue;
    // A named reference: clang 14 cannot capture a structured binding.
    const FamilyPtr& stored = family;
    auto matches = [&](const StoredFamily::Series& s) {
      for (const auto& [k, v] : per_series) {
        std::string_view have;
        for (const auto& l : stored->labels_of(s))
          if (stored->str(l.name) == k) have = stored->str(l.value);
        if (have != v) return false;
      }
      return true;
    };
    auto kept = std::make_shared<StoredFamily>(family->name(), family->type(), family->help(),
                                               family->has_help(), family->unit());
    std::size_t dropped = 0;
    for (const auto& s : family->series()) {
      if (matches(s))
        ++dropped;
      else
        kept->append_from(*family, s, s.value);
    }
    if (dropped == 0) continue;
    StateRecord rec;
    rec.key = *g->key;
    rec.push_time_ms = g->push_time_ms;
    rec.failure_time_ms = g->failure_time_ms;
    rec.ttl_ms = g->ttl_ms;
    rec.aggregate = g->aggregate;
    if (kept->size() == 0) {
      rec.removed_families.push_back(family->name());
    } else {
      kept->finish();
      rec.families.push_back(std::move(kept));
    }
    // The group may have changed since `holders` was filled (two families
    // of one group): build on its current state.
    const GroupPtr current = groups_.at(g->key->canonical);
    install(g->key->canonical, current, next_state(current, rec));
    ++removed.groups;
    removed.series += dropped;
    ticket = log(rec);
  }
  return removed;
}

std::size_t MetricStore::wipe(uint64_t& ticket) {
  std::lock_guard lock(mu_);
  if (log_) log_->check_writable();
  std::size_t n = groups_.size();
  groups_.clear();
  registry_.clear();
  name_sets_.clear();
  expiry_.clear();
  total_series_ = 0;
  StateRecord rec;
  rec.op = StateRecord::Op::wipe;
  ticket = log(rec);
  return n;
}

std::size_t MetricStore::expire(int64_t now_ms, uint64_t& ticket) {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  while (!expiry_.empty() && expiry_.begin()->first <= now_ms) {
    const std::string canonical = expiry_.begin()->second;
    auto it = groups_.find(canonical);
    if (it == groups_.end()) {
      expiry_.erase(expiry_.begin());
      continue;
    }
    GroupPtr old = it->second;
    StateRecord rec;
    rec.op = StateRecord::Op::remove;
    rec.key = *old->key;
    install(canonical, old, nullptr);
    ticket = log(rec);
    ++n;
  }
  expired_total_ += n;
  return n;
}

std::vector<GroupPtr> MetricStore::snapshot(int64_t now_ms) const {
  std::lock_guard lock(mu_);
  std::vector<GroupPtr> out;
  out.reserve(groups_.size());
  for (const auto& [k, g] : groups_)
    if (g->expires_at_ms() > now_ms) out.push_back(g);
  return out;
}

std::vector<GroupPtr> MetricStore::snapshot_with(const std::function<void()>& under_lock) const {
  std::lock_guard lock(mu_);
  std::vector<GroupPtr> out;
  out.reserve(groups_.size());
  for (const auto& [k, g] : groups_) out.push_back(g);
  under_lock();
  return out;
}

void MetricStore::restore(const StateRecord& rec) {
  std::lock_guard lock(mu_);
  switch (rec.op) {
    case StateRecord::Op::wipe:
      groups_.clear();
      registry_.clear();
      name_sets_.clear();
      expiry_.clear();
      total_series_ = 0;
      return;
    case StateRecord::Op::remove: {
      auto it = groups_.find(rec.key.canonical);
      if (it != groups_.end()) install(rec.key.canonical, it->second, nullptr);
      return;
    }
    case StateRecord::Op::update: {
      auto it = groups_.find(rec.key.canonical);
      GroupPtr old = it == groups_.end() ? nullptr : it->second;
      install(rec.key.canonical, old, next_state(old, rec));
      return;
    }
  }
}

MetricStore::Totals MetricStore::totals() const {
  std::lock_guard lock(mu_);
  return Totals{groups_.size(), total_series_, registry_.size()};
}

}  // namespace pe::push
