// remote_write_set.cpp — start, reload and stop of remote write endpoints.
#include "remote_write/remote_write_set.hpp"

#include <algorithm>

#include "base/logging.hpp"
#include "remote_write/remote_write_metrics.hpp"

namespace pe::host::remote_write {

RemoteWriteSet::RemoteWriteSet(RoundSource source, RemoteWriteMetrics& metrics)
    : source_(std::move(source)), metrics_(metrics) {}

RemoteWriteSet::~RemoteWriteSet() {
  stop();
}

bool RemoteWriteSet::apply(const std::vector<RemoteWriteConfig>& configs, std::string& error) {
  std::vector<std::unique_ptr<RemoteWriteEndpoint>> keep;
  for (auto& ep : endpoints_) {
    bool unchanged = std::any_of(configs.begin(), configs.end(), [&](const RemoteWriteConfig& c) {
      return c.name == ep->config().name && c.fingerprint == ep->config().fingerprint;
    });
    if (unchanged)
      keep.push_back(std::move(ep));
    else
      ep->stop();  // before its successor opens the same queue directory
  }
  endpoints_.clear();
  bool ok = true;
  for (const RemoteWriteConfig& c : configs) {
    auto kept = std::find_if(keep.begin(), keep.end(),
                             [&](const auto& ep) { return ep && ep->config().name == c.name; });
    if (kept != keep.end()) {
      endpoints_.push_back(std::move(*kept));
      continue;
    }
    auto ep = std::make_unique<RemoteWriteEndpoint>(c, source_, metrics_.endpoint(c.name, c.url));
    std::string why;
    if (!ep->start(why)) {
      ok = false;
      if (!error.empty()) error += "\n";
      error += c.path + ": " + why;
      log(LogLevel::error, "remote write: cannot start", {{"remote_name", c.name}, {"error", why}});
      continue;
    }
    log(LogLevel::info, "remote write: started", {{"remote_name", c.name}, {"url", c.url}});
    endpoints_.push_back(std::move(ep));
  }
  return ok;
}

void RemoteWriteSet::stop() {
  for (auto& ep : endpoints_) ep->stop();
  endpoints_.clear();
}

}  // namespace pe::host::remote_write
