// registry_persistence.cpp — the hub's state file and file_sd file.
#include "dialin/registry_persistence.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/durable_file.hpp"
#include "base/logging.hpp"
#include "dialin/registry_file.hpp"
#include "dialin/sd_targets.hpp"

namespace pe::host::dialin {
namespace fs = std::filesystem;

RegistryPersistence::RegistryPersistence(std::string state_file, std::string file_sd_path,
                                         std::string sd_target, HubMetrics& metrics)
    : state_file_(std::move(state_file)),
      file_sd_path_(std::move(file_sd_path)),
      sd_target_(std::move(sd_target)),
      metrics_(metrics) {}

std::vector<AgentEntry> RegistryPersistence::load(const AgentTokens& tokens) const {
  std::vector<AgentEntry> kept;
  if (state_file_.empty()) return kept;
  std::error_code ec;
  if (!fs::exists(state_file_, ec)) return kept;  // the first start
  std::ifstream in(state_file_, std::ios::binary);
  if (!in) {
    log(LogLevel::warn, "cannot read the agent registry file; starting with no agents",
        {{"file", state_file_}, {"error", std::strerror(errno)}});
    return kept;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string error;
  auto entries = decode_registry_file(text, error);
  if (!entries) {
    log(LogLevel::warn, "the agent registry file is damaged; starting with no agents",
        {{"file", state_file_}, {"error", error}});
    return kept;
  }
  for (AgentEntry& e : *entries) {
    const DialinToken* token = tokens.find(e.token_id);
    if (!token || !token_allows_alias(*token, e.alias)) {
      log(LogLevel::info, "agent from the registry file dropped: its token no longer claims it",
          {{"alias", e.alias}, {"token", e.token_id}});
      continue;
    }
    kept.push_back(std::move(e));
  }
  return kept;
}

bool RegistryPersistence::write(const std::string& path, const std::string& content, unsigned mode,
                                const char* what) {
  if (write_file_durably(path, {content}, mode)) {
    sync_directory(fs::path(path).parent_path().string());
    return true;
  }
  metrics_.registry_write_failed();
  if (!failing_)
    log(LogLevel::error, "cannot write the agent registry; retrying every second",
        {{"file", path}, {"what", what}, {"error", std::strerror(errno)}});
  return false;
}

void RegistryPersistence::publish(const std::vector<AgentEntry>& agents, uint64_t version) {
  if (!stale(version)) return;
  bool ok = true;
  if (!state_file_.empty()) {
    std::error_code ec;
    fs::create_directories(fs::path(state_file_).parent_path(), ec);
    ok = write(state_file_, encode_registry_file(agents), 0600, "state") && ok;
  }
  // Prometheus reads file_sd as another user, typically: world-readable.
  if (!file_sd_path_.empty())
    ok = write(file_sd_path_, sd_targets_json(agents, sd_target_), 0644, "file_sd") && ok;
  if (ok && failing_) log(LogLevel::info, "the agent registry is written again", {});
  failing_ = !ok;
  if (ok) {
    published_any_ = true;
    published_version_ = version;
  }
}

}  // namespace pe::host::dialin
