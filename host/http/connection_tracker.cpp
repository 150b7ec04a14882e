// connection_tracker.cpp — connection caps with eviction of the oldest idle.
#include "http/connection_tracker.hpp"

namespace pe::host {

void ConnectionTracker::unlink_idle(TrackedConnection& c, Client& client) {
  if (!c.idle_) return;
  idle_.erase(c.all_idle_it_);
  client.idle.erase(c.client_idle_it_);
  c.idle_ = false;
}

bool ConnectionTracker::evict_oldest(Client* only) {
  std::list<TrackedConnection*>& from = only ? only->idle : idle_;
  if (from.empty()) return false;
  TrackedConnection* victim = from.front();
  unlink_idle(*victim, clients_[victim->tracked_ip_]);
  victim->evicting_ = true;
  ++evicting_;
  ++evicted_total_;
  victim->evict();  // posts; the connection removes itself when it closes
  return true;
}

ConnectionTracker::Admission ConnectionTracker::admit(TrackedConnection& conn,
                                                      const std::string& client_ip,
                                                      std::size_t listener_open,
                                                      std::size_t listener_max) {
  std::lock_guard lock(mu_);
  Client& client = clients_[client_ip];
  if (max_per_client_ && client.open >= max_per_client_) {
    if (!evict_oldest(&client)) {
      if (client.open == 0) clients_.erase(client_ip);
      return Admission::refused_client;
    }
  }
  bool over_total = max_total_ && open_ - evicting_ >= max_total_;
  bool over_listener = listener_max && listener_open >= listener_max;
  if (over_total || over_listener) {
    if (!evict_oldest(nullptr)) {
      if (client.open == 0) clients_.erase(client_ip);
      return Admission::refused_total;
    }
  }
  conn.tracked_ip_ = client_ip;
  conn.tracked_ = true;
  ++open_;
  ++client.open;
  conn.idle_ = true;
  conn.all_idle_it_ = idle_.insert(idle_.end(), &conn);
  conn.client_idle_it_ = client.idle.insert(client.idle.end(), &conn);
  return Admission::admitted;
}

void ConnectionTracker::set_idle(TrackedConnection& conn, bool idle) {
  std::lock_guard lock(mu_);
  if (!conn.tracked_ || conn.evicting_ || conn.idle_ == idle) return;
  Client& client = clients_[conn.tracked_ip_];
  if (idle) {
    conn.idle_ = true;
    conn.all_idle_it_ = idle_.insert(idle_.end(), &conn);
    conn.client_idle_it_ = client.idle.insert(client.idle.end(), &conn);
  } else {
    unlink_idle(conn, client);
  }
}

void ConnectionTracker::remove(TrackedConnection& conn) {
  std::lock_guard lock(mu_);
  if (!conn.tracked_) return;
  auto it = clients_.find(conn.tracked_ip_);
  if (it != clients_.end()) {
    unlink_idle(conn, it->second);
    if (--it->second.open == 0) clients_.erase(it);
  }
  if (conn.evicting_) --evicting_;
  --open_;
  conn.tracked_ = false;
}

std::size_t ConnectionTracker::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

uint64_t ConnectionTracker::evicted_total() const {
  std::lock_guard lock(mu_);
  return evicted_total_;
}

}  // namespace pe::host
