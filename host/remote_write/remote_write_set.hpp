// remote_write_set.hpp — the running remote write endpoints of the current
// configuration. A reload keeps every endpoint whose [[remote_write]]
// section did not change (its threads, its queue in memory), stops the
// changed and removed ones, then starts the new ones (a changed section
// with a state_dir resumes its queue from disk).
//
// Thread-safety: apply() and stop() are called by the runtime under its own
// lock, never concurrently.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "remote_write/remote_write_endpoint.hpp"

namespace pe::host::remote_write {

class RemoteWriteMetrics;

class RemoteWriteSet {
 public:
  RemoteWriteSet(RoundSource source, RemoteWriteMetrics& metrics);
  ~RemoteWriteSet();

  // False with the reasons in `error` if some endpoint could not start (the
  // others run).
  bool apply(const std::vector<RemoteWriteConfig>& configs, std::string& error);
  void stop();
  std::size_t size() const noexcept { return endpoints_.size(); }

 private:
  RoundSource source_;
  RemoteWriteMetrics& metrics_;
  std::vector<std::unique_ptr<RemoteWriteEndpoint>> endpoints_;
};

}  // namespace pe::host::remote_write
