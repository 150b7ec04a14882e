// plugin_call_scope.cpp — the thread-local mark of a call into a plugin.
#include "plugin/plugin_call_scope.hpp"

#include <atomic>

namespace pe::host {
namespace {

// Trivial type, static TLS of the executable: readable from a signal handler.
thread_local const PluginCallSite* t_current = nullptr;

}  // namespace

PluginCallScope::PluginCallScope(const PluginCallSite& site) noexcept : previous_(t_current) {
  t_current = &site;
  // The plugin call follows: a handler on this thread must see the mark.
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

PluginCallScope::~PluginCallScope() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_current = previous_;
}

const PluginCallSite* current_plugin_call() noexcept {
  return t_current;
}

}  // namespace pe::host
