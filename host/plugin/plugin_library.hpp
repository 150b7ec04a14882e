// plugin_library.hpp — one collector plugin shared object, loaded with
// dlopen(RTLD_NOW | RTLD_LOCAL), its descriptor copied into a zero-filled
// host-side struct. Order matters for what a plugin of the wrong ABI can do:
// dlopen runs the library's static constructors and the entry function runs
// BEFORE the version check (it must only return its static descriptor:
// plugin.h says so); the check then reads only the descriptor's three leading
// fields (data) and refuses another major or a newer minor before create or
// any other function of the plugin is called.
#pragma once

#include <memory>
#include <string>

#include "plugin_exporter/plugin.h"

namespace pe::host {

class PluginLibrary {
 public:
  // Loads `path`; on failure returns null and sets `error` to a message that
  // names the file, what it was built for and what this host speaks.
  static std::shared_ptr<PluginLibrary> load(const std::string& path, std::string& error);

  // A library that is not a shared object of this process: `descriptor`'s
  // entry points forward elsewhere (isolation = "process"); `owner` keeps
  // what they use alive as long as the library.
  static std::shared_ptr<PluginLibrary> adopt(const pe_plugin_descriptor& descriptor,
                                              std::string path, std::shared_ptr<void> owner);

  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  const pe_plugin_descriptor& descriptor() const noexcept { return descriptor_; }
  const std::string& path() const noexcept { return path_; }
  std::string name() const { return descriptor_.name ? descriptor_.name : ""; }
  bool has(uint64_t capability) const noexcept {
    return (descriptor_.capabilities & capability) != 0;
  }
  // Keep the library mapped at exit (a collect that never returned still runs its code).
  void leak_on_destroy() noexcept { leak_ = true; }

 private:
  PluginLibrary() = default;
  void* handle_ = nullptr;
  std::string path_;
  pe_plugin_descriptor descriptor_{};
  bool leak_ = false;
  std::shared_ptr<void> owner_;
};

}  // namespace pe::host
