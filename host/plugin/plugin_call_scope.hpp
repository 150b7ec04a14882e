// plugin_call_scope.hpp — marks the calling thread as inside a call into a
// plugin (which collector, which plugin, which entry point), so that a fatal
// signal or an exit() raised by the plugin can say whose code it was
// (plugin/crash_record.hpp). Costs two thread-local stores per call.
//
// Thread-safety: the mark is per thread; a scope must end on the thread
// that began it. The strings must outlive the scope (the collector's own).
#pragma once

namespace pe::host {

struct PluginCallSite {
  const char* collector;    // collector name
  const char* plugin;       // plugin name
  const char* fingerprint;  // stable hash of the collector's configuration
  const char* entry;        // "create", "collect", "handle_http", "destroy"
};

class PluginCallScope {
 public:
  explicit PluginCallScope(const PluginCallSite& site) noexcept;
  ~PluginCallScope();
  PluginCallScope(const PluginCallScope&) = delete;
  PluginCallScope& operator=(const PluginCallScope&) = delete;

 private:
  const PluginCallSite* previous_;
};

// The innermost plugin call of this thread, or null. Async-signal-safe.
const PluginCallSite* current_plugin_call() noexcept;

}  // namespace pe::host
