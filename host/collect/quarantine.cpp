// quarantine.cpp — the quarantine list, its file and its metric.
#include "collect/quarantine.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "base/logging.hpp"
#include "base/stable_hash.hpp"

namespace pe::host {
namespace {

// collector plugin fingerprint unix_ms call signal [action]: a quarantine is
// written without the action (as before demotions existed, so an older
// exporter still reads it), a demotion with "isolate".
constexpr std::size_t kFields = 6;
constexpr const char* kDemotedAction = "isolate";
constexpr const char* kQuarantinedAction = "quarantine";

// One line per entry, tab-separated; tabs and line breaks in texts become spaces.
std::string field(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  return s;
}

std::optional<QuarantineEntry> parse_line(const std::string& line) {
  std::vector<std::string> parts;
  std::istringstream fields(line);
  for (std::string part; std::getline(fields, part, '\t');) parts.push_back(part);
  if (parts.size() < kFields || parts.size() > kFields + 1 || parts[0].empty()) return std::nullopt;
  QuarantineEntry e{parts[0], parts[1], parts[2], 0, parts[4], parts[5]};
  if (parts.size() > kFields) {
    if (parts[kFields] != kDemotedAction && parts[kFields] != kQuarantinedAction)
      return std::nullopt;
    e.demoted = parts[kFields] == kDemotedAction;
  }
  const std::string& ms = parts[3];
  if (ms.empty() || ms.size() > 18 || !std::all_of(ms.begin(), ms.end(), ::isdigit))
    return std::nullopt;
  e.unix_ms = std::stoll(ms);
  return e;
}

bool same_configuration(const QuarantineEntry& e, const ExporterConfig& config) {
  return std::any_of(config.collectors.begin(), config.collectors.end(),
                     [&](const CollectorConfig& c) {
                       return c.name == e.collector && collector_fingerprint_id(c) == e.fingerprint;
                     });
}

}  // namespace

std::string quarantine_reason(const QuarantineEntry& e) {
  char when[32] = "an unknown time";
  const std::time_t seconds = static_cast<std::time_t>(e.unix_ms / 1000);
  std::tm tm{};
  if (e.unix_ms > 0 && ::gmtime_r(&seconds, &tm))
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return "crashed the exporter in " + (e.entry.empty() ? std::string("a plugin call") : e.entry) +
         " with " + (e.signal == "exit" ? std::string("exit()") : e.signal) + " at " + when;
}

std::string demotion_reason(const QuarantineEntry& e) {
  return quarantine_reason(e) + "; demoted to isolation = \"process\" (on_crash = \"isolate\")";
}

std::pair<std::vector<QuarantineEntry>, std::vector<QuarantineEntry>> split_demoted(
    std::vector<QuarantineEntry> entries) {
  std::pair<std::vector<QuarantineEntry>, std::vector<QuarantineEntry>> out;
  for (auto& e : entries) (e.demoted ? out.second : out.first).push_back(std::move(e));
  return out;
}

std::string collector_fingerprint_id(const CollectorConfig& config) {
  return stable_hash_hex(config.plugin_path + '\n' + config.fingerprint);
}

Quarantine::Quarantine(std::string state_dir)
    : path_(state_dir.empty() ? std::string() : state_dir + "/" + kQuarantineFileName) {
  if (path_.empty()) return;
  std::error_code ec;
  const auto type = std::filesystem::status(path_, ec).type();
  if (type == std::filesystem::file_type::not_found) return;  // nothing quarantined yet
  std::ifstream in(path_);
  if (type != std::filesystem::file_type::regular || !in) {
    log(LogLevel::error, "cannot read the quarantine file; starting with an empty quarantine",
        {{"file", path_},
         {"error", type != std::filesystem::file_type::regular ? "not a regular file"
                                                               : std::strerror(errno)}});
    return;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (auto e = parse_line(line)) {
      entries_.erase(
          std::remove_if(entries_.begin(), entries_.end(),
                         [&](const QuarantineEntry& o) { return o.collector == e->collector; }),
          entries_.end());
      entries_.push_back(std::move(*e));
    } else {
      log(LogLevel::error,
          "quarantine file: malformed line ignored (expected collector, plugin, fingerprint, "
          "unix_ms, call, signal and optionally quarantine or isolate, separated by tabs)",
          {{"file", path_}, {"line", std::to_string(number)}});
    }
  }
}

void Quarantine::save_locked() const {
  if (path_.empty()) return;
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& e : entries_)
      out << field(e.collector) << '\t' << field(e.plugin) << '\t' << field(e.fingerprint) << '\t'
          << e.unix_ms << '\t' << field(e.entry) << '\t' << field(e.signal)
          << (e.demoted ? std::string("\t") + kDemotedAction : std::string()) << '\n';
    out.flush();
    if (!out) {
      log(LogLevel::error, "cannot write the quarantine file; it lasts until the exporter stops",
          {{"file", tmp}});
      return;
    }
  }
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0)
    log(LogLevel::error, "cannot replace the quarantine file",
        {{"file", path_}, {"error", std::strerror(errno)}});
}

void Quarantine::add(QuarantineEntry entry) {
  std::lock_guard lock(mu_);
  entries_.erase(
      std::remove_if(entries_.begin(), entries_.end(),
                     [&](const QuarantineEntry& e) { return e.collector == entry.collector; }),
      entries_.end());
  entries_.push_back(std::move(entry));
  save_locked();
}

std::vector<QuarantineEntry> Quarantine::matching(const ExporterConfig& config) const {
  std::lock_guard lock(mu_);
  std::vector<QuarantineEntry> out;
  for (const auto& e : entries_)
    if (same_configuration(e, config)) out.push_back(e);
  return out;
}

void Quarantine::apply(const ExporterConfig& config) {
  std::lock_guard lock(mu_);
  const std::size_t before = entries_.size();
  entries_.erase(
      std::remove_if(
          entries_.begin(), entries_.end(),
          [&](const QuarantineEntry& e) {
            if (same_configuration(e, config)) return false;
            const bool configured =
                std::any_of(config.collectors.begin(), config.collectors.end(),
                            [&](const CollectorConfig& c) { return c.name == e.collector; });
            const char* what =
                e.demoted ? "demotion to process isolation ended" : "quarantine cleared";
            log(LogLevel::info,
                std::string(what) + (configured ? ": the collector's configuration changed"
                                                : ": the collector is no longer configured"),
                {{"collector", e.collector}, {"plugin", e.plugin}});
            return true;
          }),
      entries_.end());
  if (entries_.size() != before) save_locked();
}

void Quarantine::set_listed(std::vector<std::pair<std::string, std::string>> collectors) {
  std::lock_guard lock(mu_);
  listed_ = std::move(collectors);
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

std::vector<std::string> Quarantine::clear_all() {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& e : entries_) names.push_back(e.collector);
  if (!entries_.empty()) {
    entries_.clear();
    save_locked();
  }
  return names;
}

std::vector<QuarantineEntry> Quarantine::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

void Quarantine::export_to(MetricSet& set) const {
  std::lock_guard lock(mu_);
  if (listed_.empty()) return;
  // 1 for the listed collectors whose entry is of that kind (demoted or not).
  auto family = [&](std::string_view name, std::string_view help, bool demoted) {
    set.add_family(name, MetricType::gauge, help, true);
    for (const auto& [collector, plugin] : listed_) {
      const bool on = std::any_of(entries_.begin(), entries_.end(), [&](const QuarantineEntry& e) {
        return e.collector == collector && e.demoted == demoted;
      });
      Label labels[] = {{"collector", set.intern(collector)}, {"plugin", set.intern(plugin)}};
      set.add_sample(name, labels, on ? 1.0 : 0.0);
    }
  };
  family("plugin_exporter_collector_quarantined",
         "1 when the collector is quarantined: its plugin brought the exporter down "
         "(a crash record named it; not created) or, isolated, its plugin process died "
         "repeatedly (collects refused); cleared by a reload that changes it or by "
         "POST /-/quarantine/clear.",
         false);
  family("plugin_exporter_collector_demoted",
         // No double quotes: promtool reads OpenMetrics' escaped \" in HELP as an error.
         "1 when the collector runs in a child process (isolation process) because its "
         "plugin brought the exporter down in process and its on_crash is isolate; ended "
         "by a reload that changes it or by POST /-/quarantine/clear.",
         true);
}

}  // namespace pe::host
