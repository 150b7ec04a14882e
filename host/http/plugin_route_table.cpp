// plugin_route_table.cpp — prefix matching of plugin routes.
#include "http/plugin_route_table.hpp"

#include "collect/collector.hpp"

namespace pe::host {
namespace {

bool prefix_matches(std::string_view prefix, std::string_view path) {
  if (path.substr(0, prefix.size()) != prefix) return false;
  return path.size() == prefix.size() || prefix == "/" || path[prefix.size()] == '/';
}

}  // namespace

bool PluginRouteTable::add(const std::shared_ptr<Collector>& collector, std::string& error) {
  for (const RouteRegistration& r : collector->context().routes) {
    for (const MountedRoute& m : routes_) {
      if (m.route.method == r.method && m.route.path_prefix == r.path_prefix) {
        error = "collector " + collector->name() + " registers " + r.method + " " + r.path_prefix +
                ", already served by collector " + m.collector->name();
        return false;
      }
    }
    routes_.push_back(MountedRoute{r, collector});
  }
  return true;
}

const MountedRoute* PluginRouteTable::match(std::string_view method, std::string_view path,
                                            bool& any_method) const {
  const MountedRoute* best = nullptr;
  any_method = false;
  for (const MountedRoute& m : routes_) {
    if (!prefix_matches(m.route.path_prefix, path)) continue;
    if (m.route.method != method && !(method == "HEAD" && m.route.method == "GET")) {
      any_method = true;
      continue;
    }
    if (!best || m.route.path_prefix.size() > best->route.path_prefix.size()) best = &m;
  }
  return best;
}

}  // namespace pe::host
