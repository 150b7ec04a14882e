// plugin_call_scope.cpp — the thread-local mark of a call into a plugin.
#include "plugin/plugin_call_scope.hpp"

namespace pe::host {
namespace {

// Trivial type, static TLS of the executable: readable from a signal handler.
thread_local const PluginCallSite* t_current = nullptr;

}  // namespace

PluginCallScope::PluginCallScope(const PluginCallSite& site) noexcept : previous_(t_current) {
  t_current = &site;
}

PluginCallScope::~PluginCallScope() { t_current = previous_; }

const PluginCallSite* current_plugin_call() noexcept { return t_current; }

}  // namespace pe::host
