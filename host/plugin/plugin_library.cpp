// plugin_library.cpp — dlopen, entry lookup and the ABI check.
#include "plugin/plugin_library.hpp"

#include <dlfcn.h>

#include <cstddef>
#include <cstring>

namespace pe::host {
namespace {

std::string version_string(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

}  // namespace

std::shared_ptr<PluginLibrary> PluginLibrary::load(const std::string& path, std::string& error) {
  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    error = "plugin " + path + ": cannot load: " + (why ? why : "unknown dlopen error");
    return nullptr;
  }
  auto close_with = [&](std::string message) {
    dlclose(handle);
    error = "plugin " + path + ": " + std::move(message);
    return nullptr;
  };
  dlerror();
  void* sym = dlsym(handle, PE_ENTRY_SYMBOL);
  if (!sym) {
    return close_with(std::string("no entry symbol ") + PE_ENTRY_SYMBOL +
                      ": not a plugin_exporter plugin (built without PE_PLUGIN_ENTRY?)");
  }
  pe_entry_fn entry = nullptr;
  static_assert(sizeof entry == sizeof sym);
  std::memcpy(&entry, &sym, sizeof entry);
  const pe_plugin_descriptor* d = entry();
  if (!d) return close_with("entry returned no descriptor");

  // Only the three leading fields are read before the version is known good.
  constexpr std::size_t kVersionEnd = offsetof(pe_plugin_descriptor, abi_minor) + sizeof(uint32_t);
  if (d->struct_size < kVersionEnd)
    return close_with("descriptor too small (" + std::to_string(d->struct_size) + " bytes)");
  const std::string host_abi = version_string(PE_ABI_MAJOR, PE_ABI_MINOR);
  const std::string plugin_abi = version_string(d->abi_major, d->abi_minor);
  if (d->abi_major != PE_ABI_MAJOR) {
    return close_with("built for plugin ABI " + plugin_abi + ", this host speaks " + host_abi +
                      " (major versions differ; rebuild the plugin against this host's SDK)");
  }
  if (d->abi_minor > PE_ABI_MINOR) {
    return close_with("built for plugin ABI " + plugin_abi + ", newer than this host's " +
                      host_abi + " (upgrade plugin_exporter or rebuild the plugin)");
  }

  std::shared_ptr<PluginLibrary> lib(new PluginLibrary());
  lib->handle_ = handle;
  lib->path_ = path;
  std::memcpy(&lib->descriptor_, d,
              std::min<std::size_t>(d->struct_size, sizeof(pe_plugin_descriptor)));
  lib->descriptor_.struct_size = sizeof(pe_plugin_descriptor);
  const pe_plugin_descriptor& desc = lib->descriptor_;
  std::string missing;
  if (!desc.name || !*desc.name)
    missing = "name";
  else if (!desc.create)
    missing = "create";
  else if (!desc.collect)
    missing = "collect";
  else if (!desc.destroy)
    missing = "destroy";
  else if ((desc.capabilities & PE_CAP_HTTP_ROUTES) && !desc.handle_http)
    missing = "handle_http";
  if (!missing.empty()) {
    lib->handle_ = nullptr;
    return close_with("descriptor has no " + missing);
  }
  return lib;
}

std::shared_ptr<PluginLibrary> PluginLibrary::adopt(const pe_plugin_descriptor& descriptor,
                                                    std::string path, std::shared_ptr<void> owner) {
  std::shared_ptr<PluginLibrary> lib(new PluginLibrary());
  lib->path_ = std::move(path);
  lib->descriptor_ = descriptor;
  lib->owner_ = std::move(owner);
  return lib;
}

PluginLibrary::~PluginLibrary() {
  if (handle_ && !leak_) dlclose(handle_);
}

}  // namespace pe::host
