// plugin_route_table.hpp — the HTTP routes plugins registered, mounted behind
// the host's auth: longest matching prefix per method wins; two collectors
// registering the same method and prefix is a configuration error.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/collector_context.hpp"

namespace pe::host {

class Collector;

struct MountedRoute {
  RouteRegistration route;
  std::shared_ptr<Collector> collector;
};

class PluginRouteTable {
 public:
  // Adds every route of `collector`; false (with `error`) on a conflict.
  bool add(const std::shared_ptr<Collector>& collector, std::string& error);
  // The route for a request; null if none. `any_method` tells whether some
  // route matched the path with another method (→ 405).
  const MountedRoute* match(std::string_view method, std::string_view path, bool& any_method) const;
  bool empty() const noexcept { return routes_.empty(); }

 private:
  std::vector<MountedRoute> routes_;
};

}  // namespace pe::host
