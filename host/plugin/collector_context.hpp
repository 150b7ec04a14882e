// collector_context.hpp — the host's side of one collector, behind the C
// ABI's opaque pe_host: who it is (for logs), the configuration session while
// create runs, and the HTTP routes it registered.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plugin_exporter/plugin.h"

namespace pe::host {
class ConfigDocument;

struct RouteRegistration {
  std::string method;
  std::string path_prefix;
  std::string role;
  uint64_t max_body_bytes = 0;
};
}  // namespace pe::host

struct pe_host {
  std::string collector_name;
  std::string plugin_name;
  // Only during create:
  pe::host::ConfigDocument* doc = nullptr;
  const pe_config* plugin_table = nullptr;
  bool check_only = false;
  bool creating = false;
  // isolation = "process": the supervisor the proxy descriptor's create
  // forwards to (isolation/process_supervisor.hpp); null in process.
  void* proxy = nullptr;
  // Registered during create, mounted by the HTTP router afterwards.
  std::vector<pe::host::RouteRegistration> routes;
};
