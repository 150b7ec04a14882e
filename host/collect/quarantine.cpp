// quarantine.cpp — the quarantine list, its file and its metric.
#include "collect/quarantine.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/logging.hpp"
#include "base/stable_hash.hpp"

namespace pe::host {
namespace {

// One line per entry, tab-separated; tabs and newlines in texts become spaces.
std::string field(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  return s;
}

}  // namespace

std::string collector_fingerprint_id(const CollectorConfig& config) {
  return stable_hash_hex(config.plugin_path + '\n' + config.fingerprint);
}

Quarantine::Quarantine(std::string state_dir)
    : path_(state_dir.empty() ? std::string() : state_dir + "/quarantine") {
  if (path_.empty()) return;
  std::ifstream in(path_);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::vector<std::string> parts;
    std::istringstream fields(line);
    for (std::string part; std::getline(fields, part, '\t');) parts.push_back(part);
    if (parts.size() != 5) {
      log(LogLevel::warn, "quarantine file: line ignored (expected 5 tab-separated fields)",
          {{"file", path_}, {"line", std::to_string(number)}});
      continue;
    }
    QuarantineEntry e{parts[0], parts[1], parts[2], 0, parts[4]};
    try {
      e.unix_ms = std::stoll(parts[3]);
    } catch (const std::exception&) {
    }
    entries_.push_back(std::move(e));
  }
}

void Quarantine::save_locked() const {
  if (path_.empty()) return;
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& e : entries_)
      out << field(e.collector) << '\t' << field(e.plugin) << '\t' << field(e.fingerprint) << '\t'
          << e.unix_ms << '\t' << field(e.reason) << '\n';
    out.flush();
    if (!out) {
      log(LogLevel::error, "cannot write the quarantine file", {{"file", tmp}});
      return;
    }
  }
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0)
    log(LogLevel::error, "cannot replace the quarantine file", {{"file", path_}});
}

void Quarantine::add(QuarantineEntry entry) {
  std::lock_guard lock(mu_);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const QuarantineEntry& e) {
                                  return e.collector == entry.collector;
                                }),
                 entries_.end());
  entries_.push_back(std::move(entry));
  save_locked();
}

std::set<std::string> Quarantine::apply(const ExporterConfig& config) {
  std::lock_guard lock(mu_);
  configured_.clear();
  for (const auto& cc : config.collectors) configured_.emplace_back(cc.name, cc.plugin);
  std::set<std::string> names;
  const std::size_t before = entries_.size();
  entries_.erase(
      std::remove_if(entries_.begin(), entries_.end(),
                     [&](const QuarantineEntry& e) {
                       auto cc = std::find_if(
                           config.collectors.begin(), config.collectors.end(),
                           [&](const CollectorConfig& c) { return c.name == e.collector; });
                       if (cc != config.collectors.end() &&
                           collector_fingerprint_id(*cc) == e.fingerprint) {
                         names.insert(e.collector);
                         return false;
                       }
                       log(LogLevel::info,
                           cc == config.collectors.end()
                               ? "quarantine cleared: the collector is no longer configured"
                               : "quarantine cleared: the collector's configuration changed",
                           {{"collector", e.collector}, {"plugin", e.plugin}});
                       return true;
                     }),
      entries_.end());
  if (entries_.size() != before) save_locked();
  return names;
}

bool Quarantine::clear(const std::string& collector) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const QuarantineEntry& e) { return e.collector == collector; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  save_locked();
  return true;
}

std::vector<QuarantineEntry> Quarantine::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

void Quarantine::export_to(MetricSet& set) const {
  std::lock_guard lock(mu_);
  if (configured_.empty()) return;
  constexpr std::string_view kName = "plugin_exporter_collector_quarantined";
  set.add_family(kName, MetricType::gauge,
                 "1 when the collector is not started because its plugin brought the exporter "
                 "down (a crash record names it); cleared by a reload that changes it or by "
                 "POST /-/quarantine/clear?collector=NAME.",
                 true);
  for (const auto& [collector, plugin] : configured_) {
    const bool q = std::any_of(entries_.begin(), entries_.end(),
                               [&](const QuarantineEntry& e) { return e.collector == collector; });
    Label labels[] = {{"collector", set.intern(collector)}, {"plugin", set.intern(plugin)}};
    set.add_sample(kName, labels, q ? 1.0 : 0.0);
  }
}

}  // namespace pe::host
