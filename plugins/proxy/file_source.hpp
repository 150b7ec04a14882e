// file_source.hpp — a proxy collector whose source is a set of *.prom files
// (node_exporter textfile style): paths or glob patterns expanded on every
// collect, each file read whole (up to the size limit), handed to the host's
// parser, and its modification time exported as
// node_textfile_mtime_seconds{file="<path>"}, the name node_exporter uses.
#pragma once

#include <string>
#include <vector>

#include "proxy_config.hpp"
#include "source.hpp"

namespace pe::proxy {

class FileSource : public Source {
 public:
  FileSource(const FileTarget& target, const ProxyConfig& config);
  pe_status collect(const CollectRequest& request, MetricSink& sink) override;

  // The regular files the patterns name right now, sorted, without
  // duplicates. Throws CollectFailure for a literal path that does not exist
  // or a pattern that cannot be expanded.
  std::vector<std::string> expand() const;

 private:
  std::vector<std::string> patterns_;
  std::size_t max_file_bytes_;
  bool drop_invalid_lines_;
};

}  // namespace pe::proxy
