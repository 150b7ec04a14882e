// agent_registry.hpp — the hub's agents by alias: which token an alias is
// bound to, the agent's metadata (hostname, service, labels), its current
// connection, and when it was last seen. A token binds the aliases it
// claims: another token claiming a bound alias is refused (409) for as long
// as the entry exists; the same token claiming it again replaces the old
// connection. After a disconnect the entry stays (scrapes answer 503, so
// Prometheus records up 0) until agent_expiry has passed, then goes. Every
// change of the listed entries bumps version(), so the hub writes its state
// file and file_sd only when something changed; restore() puts the entries a
// previous run saved back, disconnected.
//
// Thread-safety: all members may be called from any thread (one mutex;
// every operation is O(log n) in the number of agents, except snapshot()
// and sweep(), which are O(n)).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dialin/dialin_frame.hpp"

namespace pe::host::dialin {

// One agent's live connection, as the registry and the hub's routes use it.
class AgentLink {
 public:
  virtual ~AgentLink() = default;
  // The same agent connected again: close this connection.
  virtual void replaced() = 0;
  // Its token was removed or no longer allows its alias (a reload): close it.
  virtual void revoked() { replaced(); }
  // Forwards one scrape (its id is set by the link); `done` is called once,
  // from any thread, with the agent's reply or the hub's own 503/504.
  virtual void scrape(ScrapeRequest request, std::function<void(ScrapeReply)> done) = 0;
};

// What the registry knows about one alias.
struct AgentEntry {
  std::string alias;
  std::string token_id;
  std::string hostname;
  std::string service;
  StringPairs labels;
  std::string peer;  // client address of the last connection
  bool connected = false;
  std::chrono::system_clock::time_point last_seen{};  // last connect or disconnect
  // Scrapes through the hub (kept in memory only, not in the state file).
  std::chrono::system_clock::time_point last_scrape{};  // epoch = never
  int last_scrape_status = 0;
  std::string last_scrape_error;  // empty when the last scrape succeeded
  uint64_t scrapes_ok = 0;
  uint64_t scrapes_failed = 0;
};

class AgentRegistry {
 public:
  using Clock = std::chrono::steady_clock;

  AgentRegistry(std::chrono::nanoseconds expiry, std::size_t max_agents)
      : expiry_(expiry), max_agents_(max_agents) {}

  enum class ClaimResult { accepted, alias_taken, too_many_agents };
  // Registers `hello.alias` for `token_id` with `link` as its connection.
  // On accepted, a previous connection of the alias was told replaced().
  ClaimResult claim(const Hello& hello, const std::string& token_id, const std::string& peer,
                    std::shared_ptr<AgentLink> link, Clock::time_point now);
  // `link` closed: the entry stays listed, disconnected, until expiry. A
  // link that was already replaced changes nothing.
  void disconnected(const std::string& alias, const AgentLink* link, Clock::time_point now);

  // Records a scrape of `alias` through the hub (2xx = ok; otherwise `error`
  // says why); an unknown alias changes nothing. Not a listed change: it
  // leaves version() alone, so the state file is not rewritten per scrape.
  void scraped(const std::string& alias, int status, const std::string& error);

  // The live connection of `alias`; null when unknown (`known` false) or
  // disconnected (`known` true).
  std::shared_ptr<AgentLink> link_of(const std::string& alias, bool& known, Clock::time_point now);

  // Every listed agent, by alias (expired ones removed first); `version`,
  // if given, receives the version() the snapshot shows.
  std::vector<AgentEntry> snapshot(Clock::time_point now, uint64_t* version = nullptr);
  // Adds the entries a previous run of the hub saved, as disconnected: one
  // that was connected then starts its expiry at `now` (when it was lost is
  // unknown), one that was disconnected at its last_seen (`wall_now` maps
  // that onto the steady clock). Aliases already listed, expired entries and
  // those beyond max_agents are skipped. Returns how many were added.
  std::size_t restore(std::vector<AgentEntry> entries, Clock::time_point now,
                      std::chrono::system_clock::time_point wall_now);
  // Removes disconnected entries older than the expiry; returns how many.
  std::size_t sweep(Clock::time_point now);
  std::size_t connected() const;
  // Counts changes of the listed entries (claims, disconnects, removals).
  uint64_t version() const;

 private:
  struct Slot {
    AgentEntry entry;
    std::shared_ptr<AgentLink> link;  // null while disconnected
    Clock::time_point disconnected_at{};
  };
  bool expired(const Slot& s, Clock::time_point now) const {
    return !s.link && now - s.disconnected_at >= expiry_;
  }
  std::size_t sweep_locked(Clock::time_point now);

  const std::chrono::nanoseconds expiry_;
  const std::size_t max_agents_;
  mutable std::mutex mu_;
  std::map<std::string, Slot> slots_;
  std::size_t connected_ = 0;
  uint64_t version_ = 0;
};

}  // namespace pe::host::dialin
