// status_board.cpp — process facts for the status page.
#include "http/status_board.hpp"

#include <utility>

#include "plugin/host_api.hpp"

namespace pe::host {

StatusBoard::StatusBoard(std::string config_file, RemoteWriteStatusSource remote_write)
    : config_file_(std::move(config_file)),
      started_unix_ms_(unix_now_ms()),
      remote_write_(std::move(remote_write)) {}

void StatusBoard::set_listeners(std::vector<std::string> addresses) {
  std::lock_guard lock(mu_);
  listeners_ = std::move(addresses);
}

std::vector<std::string> StatusBoard::listeners() const {
  std::lock_guard lock(mu_);
  return listeners_;
}

void StatusBoard::reloaded(ReloadRecord record) {
  if (record.unix_ms == 0) record.unix_ms = unix_now_ms();
  std::lock_guard lock(mu_);
  last_reload_ = std::move(record);
}

ReloadRecord StatusBoard::last_reload() const {
  std::lock_guard lock(mu_);
  return last_reload_;
}

}  // namespace pe::host
