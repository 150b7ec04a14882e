// connection_tracker.hpp — the open connections of all listeners, counted in
// total and per client address, with the idle ones (waiting for a request:
// fresh, or kept alive after an answer) in least-recently-used order. When a
// cap is reached a new connection makes room by evicting the oldest idle
// connection (of the same client for the per-client cap); only when none is
// idle is it refused. Busy connections (a request being read, handled or
// answered) are never evicted.
//
// Thread-safety: every member may be called from any thread (one mutex; the
// work under it is O(1)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pe::host {

// What the tracker keeps of a connection; the connection derives from it.
class TrackedConnection {
 public:
  virtual ~TrackedConnection() = default;
  // Closes the connection soon (from any thread; posts to its own strand).
  virtual void evict() = 0;

 private:
  friend class ConnectionTracker;
  std::string tracked_ip_;
  std::list<TrackedConnection*>::iterator all_idle_it_;
  std::list<TrackedConnection*>::iterator client_idle_it_;
  bool tracked_ = false;
  bool idle_ = false;
  bool evicting_ = false;
};

class ConnectionTracker {
 public:
  enum class Admission { admitted, refused_total, refused_client };

  // max_total / max_per_client: 0 = unlimited.
  ConnectionTracker(std::size_t max_total, std::size_t max_per_client)
      : max_total_(max_total), max_per_client_(max_per_client) {}
  ConnectionTracker(const ConnectionTracker&) = delete;
  ConnectionTracker& operator=(const ConnectionTracker&) = delete;

  // Admits `conn` from `client_ip` (evicting idle connections to make room),
  // or refuses it. An admitted connection starts idle and must be removed.
  Admission admit(TrackedConnection& conn, const std::string& client_ip, std::size_t listener_open,
                  std::size_t listener_max);
  void set_idle(TrackedConnection& conn, bool idle);
  void remove(TrackedConnection& conn);

  std::size_t open() const;
  uint64_t evicted_total() const;

 private:
  struct Client {
    std::size_t open = 0;
    std::list<TrackedConnection*> idle;  // oldest first
  };
  void unlink_idle(TrackedConnection& c, Client& client);
  // Evicts the oldest idle connection (of `only` if given); false if none.
  bool evict_oldest(Client* only);

  const std::size_t max_total_;
  const std::size_t max_per_client_;
  mutable std::mutex mu_;
  std::size_t open_ = 0;      // admitted and not yet removed
  std::size_t evicting_ = 0;  // of those, asked to close
  uint64_t evicted_total_ = 0;
  std::list<TrackedConnection*> idle_;  // oldest first
  std::unordered_map<std::string, Client> clients_;
};

}  // namespace pe::host
