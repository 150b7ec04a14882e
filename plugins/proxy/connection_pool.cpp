// connection_pool.cpp — LIFO reuse of idle backend connections.
#include "connection_pool.hpp"

namespace pe::proxy {

std::unique_ptr<HttpConnection> ConnectionPool::take() {
  std::vector<std::unique_ptr<HttpConnection>> expired;  // closed outside the lock
  std::unique_ptr<HttpConnection> out;
  {
    std::lock_guard lock(mu_);
    int64_t now = clock_();
    while (!idle_.empty()) {
      std::unique_ptr<HttpConnection> c = std::move(idle_.back());
      idle_.pop_back();
      if (now - c->last_used_ns <= max_idle_ns_) {
        out = std::move(c);
        break;
      }
      expired.push_back(std::move(c));
    }
  }
  return out;
}

void ConnectionPool::give_back(std::unique_ptr<HttpConnection> connection) {
  connection->last_used_ns = clock_();
  std::unique_ptr<HttpConnection> dropped;
  std::lock_guard lock(mu_);
  if (max_idle_ == 0) {
    dropped = std::move(connection);
    return;
  }
  if (idle_.size() >= max_idle_) {
    dropped = std::move(idle_.front());
    idle_.erase(idle_.begin());
  }
  idle_.push_back(std::move(connection));
}

std::size_t ConnectionPool::idle() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

}  // namespace pe::proxy
