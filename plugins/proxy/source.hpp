// source.hpp — what a proxy collector reads from: an HTTP(S) target or a set
// of *.prom files. collect() may run concurrently for different scrape
// parameters (the plugin declares PE_CAP_CONCURRENT_COLLECT), so sources keep
// no per-collect state outside locals and their thread-safe pools.
#pragma once

#include "plugin_exporter/plugin.hpp"

namespace pe::proxy {

class Source {
 public:
  virtual ~Source() = default;
  virtual pe_status collect(const CollectRequest& request, MetricSink& sink) = 0;
};

}  // namespace pe::proxy
