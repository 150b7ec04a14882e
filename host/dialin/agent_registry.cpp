// agent_registry.cpp — alias binding, replacement and expiry of agents.
#include "dialin/agent_registry.hpp"

#include <algorithm>

namespace pe::host::dialin {

AgentRegistry::ClaimResult AgentRegistry::claim(const Hello& hello, const std::string& token_id,
                                                const std::string& peer,
                                                std::shared_ptr<AgentLink> link,
                                                Clock::time_point now) {
  std::shared_ptr<AgentLink> old;
  {
    std::lock_guard lock(mu_);
    auto it = slots_.find(hello.alias);
    if (it != slots_.end() && expired(it->second, now)) {
      slots_.erase(it);
      it = slots_.end();
    }
    if (it == slots_.end()) {
      if (slots_.size() >= max_agents_ && sweep_locked(now) == 0 && slots_.size() >= max_agents_)
        return ClaimResult::too_many_agents;
      it = slots_.emplace(hello.alias, Slot{}).first;
    } else if (it->second.entry.token_id != token_id) {
      return ClaimResult::alias_taken;
    }
    Slot& s = it->second;
    old = std::move(s.link);
    if (!old) ++connected_;
    s.link = std::move(link);
    s.entry.alias = hello.alias;
    s.entry.token_id = token_id;
    s.entry.hostname = hello.hostname;
    s.entry.service = hello.service;
    s.entry.labels = hello.labels;
    s.entry.peer = peer;
    s.entry.connected = true;
    s.entry.last_seen = std::chrono::system_clock::now();
    ++version_;
  }
  if (old) old->replaced();  // outside the lock: it may call disconnected()
  return ClaimResult::accepted;
}

void AgentRegistry::disconnected(const std::string& alias, const AgentLink* link,
                                 Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = slots_.find(alias);
  if (it == slots_.end() || it->second.link.get() != link || !link) return;
  it->second.link.reset();
  it->second.disconnected_at = now;
  it->second.entry.connected = false;
  it->second.entry.last_seen = std::chrono::system_clock::now();
  --connected_;
  ++version_;
}

void AgentRegistry::scraped(const std::string& alias, int status, const std::string& error) {
  const auto now = std::chrono::system_clock::now();
  std::lock_guard lock(mu_);
  auto it = slots_.find(alias);
  if (it == slots_.end()) return;
  AgentEntry& e = it->second.entry;
  const bool ok = status / 100 == 2;
  e.last_scrape = now;
  e.last_scrape_status = status;
  e.last_scrape_error = ok ? std::string() : error;
  ++(ok ? e.scrapes_ok : e.scrapes_failed);
}

std::shared_ptr<AgentLink> AgentRegistry::link_of(const std::string& alias, bool& known,
                                                  Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = slots_.find(alias);
  known = it != slots_.end() && !expired(it->second, now);
  return known ? it->second.link : nullptr;
}

std::vector<AgentEntry> AgentRegistry::snapshot(Clock::time_point now, uint64_t* version) {
  std::lock_guard lock(mu_);
  sweep_locked(now);
  std::vector<AgentEntry> out;
  out.reserve(slots_.size());
  for (const auto& [alias, slot] : slots_) out.push_back(slot.entry);
  if (version) *version = version_;
  return out;
}

std::size_t AgentRegistry::restore(std::vector<AgentEntry> entries, Clock::time_point now,
                                   std::chrono::system_clock::time_point wall_now) {
  std::lock_guard lock(mu_);
  std::size_t added = 0;
  for (AgentEntry& e : entries) {
    if (slots_.size() >= max_agents_) break;
    if (slots_.count(e.alias)) continue;
    Slot s;
    if (e.connected) {
      s.disconnected_at = now;
      e.last_seen = wall_now;
    } else {
      const auto age =
          std::max(wall_now - e.last_seen, std::chrono::system_clock::duration::zero());
      s.disconnected_at = now - std::chrono::duration_cast<Clock::duration>(age);
    }
    e.connected = false;
    s.entry = std::move(e);
    if (expired(s, now)) continue;
    std::string alias = s.entry.alias;
    slots_.emplace(std::move(alias), std::move(s));
    ++added;
  }
  if (added) ++version_;
  return added;
}

std::size_t AgentRegistry::sweep(Clock::time_point now) {
  std::lock_guard lock(mu_);
  return sweep_locked(now);
}

std::size_t AgentRegistry::sweep_locked(Clock::time_point now) {
  std::size_t removed = 0;
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (expired(it->second, now)) {
      it = slots_.erase(it);
      ++removed;
      ++version_;
    } else {
      ++it;
    }
  }
  return removed;
}

std::size_t AgentRegistry::connected() const {
  std::lock_guard lock(mu_);
  return connected_;
}

uint64_t AgentRegistry::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

}  // namespace pe::host::dialin
