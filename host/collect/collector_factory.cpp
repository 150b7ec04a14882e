// collector_factory.cpp — plugin loading and instance creation.
#include "collect/collector_factory.hpp"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "base/logging.hpp"
#include "collect/quarantine.hpp"
#include "config/config_document.hpp"
#include "isolation/process_supervisor.hpp"
#include "plugin/host_api.hpp"
#include "plugin/plugin_call_scope.hpp"

namespace pe::host {
namespace {

// Two collectors serving one method and path prefix: the second is an error
// at its section (the HTTP router could not tell them apart).
void report_route_clashes(const std::vector<std::shared_ptr<Collector>>& collectors,
                          ConfigDocument& doc) {
  std::map<std::pair<std::string, std::string>, std::string> owner;
  for (const auto& c : collectors) {
    for (const RouteRegistration& r : c->context().routes) {
      auto [it, fresh] = owner.emplace(std::pair{r.method, r.path_prefix}, c->name());
      if (fresh || it->second == c->name()) continue;
      const CollectorConfig& cc = c->config();
      const bool in_section = cc.plugin_table != nullptr;
      doc.error(in_section ? static_cast<const toml::node*>(cc.plugin_table)
                           : static_cast<const toml::node*>(cc.table),
                in_section ? cc.plugin_table_path : cc.path,
                "registers the HTTP route " + r.method + " " + r.path_prefix +
                    ", already served by collector \"" + it->second +
                    "\" (two collectors cannot serve one route: give one a different path)");
      break;  // one error per collector
    }
  }
}

// The quarantine's entry for `collector`, or null.
const QuarantineEntry* verdict_of(const std::vector<QuarantineEntry>& verdicts,
                                  const std::string& collector) {
  auto it = std::find_if(verdicts.begin(), verdicts.end(),
                         [&](const QuarantineEntry& e) { return e.collector == collector; });
  return it != verdicts.end() ? &*it : nullptr;
}

// The library a collector's plugin is called through: for an isolated
// collector a proxy of a new child process (started here), else the shared
// object, loaded once per path. Null when it cannot be had (error reported).
std::shared_ptr<PluginLibrary> open_plugin(
    const CollectorConfig& cc, ConfigDocument& doc,
    std::map<std::string, std::shared_ptr<PluginLibrary>>& libraries,
    std::shared_ptr<isolation::ProcessSupervisor>& supervisor) {
  const toml::node* plugin_key = cc.table ? cc.table->get("plugin") : nullptr;
  std::string error;
  if (!cc.isolated) {
    auto it = libraries.find(cc.plugin_path);
    if (it != libraries.end()) return it->second;
    auto loaded = PluginLibrary::load(cc.plugin_path, error);
    if (!loaded) {
      doc.error(plugin_key, ConfigDocument::child_path(cc.path, "plugin"), error);
      return nullptr;
    }
    return libraries.emplace(cc.plugin_path, std::move(loaded)).first->second;
  }
  if (!cc.user.empty() && geteuid() != 0) {
    doc.error(cc.table ? cc.table->get("user") : nullptr,
              ConfigDocument::child_path(cc.path, "user"),
              "running the plugin process as another user needs the exporter to run as root");
    return nullptr;
  }
  isolation::IsolationSettings settings;
  settings.plugin_path = cc.plugin_path;
  settings.collector = cc.name;
  settings.fingerprint = collector_fingerprint_id(cc);
  settings.memory_limit = cc.memory_limit;
  settings.user = cc.user;
  settings.max_collects = cc.max_collects;
  settings.rss_limit = cc.rss_limit;
  supervisor = isolation::ProcessSupervisor::start(std::move(settings), error);
  if (!supervisor) {
    doc.error(plugin_key, ConfigDocument::child_path(cc.path, "plugin"), error);
    return nullptr;
  }
  return PluginLibrary::adopt(supervisor->descriptor(), cc.plugin_path, supervisor);
}

// Calls the plugin's create for `cc` with its config section; the instance,
// or null when it failed or reported config errors (reported at the section).
pe_instance* create_instance(const CollectorConfig& cc, PluginLibrary& lib, pe_host& ctx,
                             ConfigDocument& doc, bool check_only) {
  if (!cc.state_dir.empty() && !check_only) {
    std::error_code ec;
    std::filesystem::create_directories(cc.state_dir, ec);
    if (ec) {
      doc.error(cc.table, cc.path,
                "cannot create state directory " + cc.state_dir + ": " + ec.message());
      return nullptr;
    }
  }
  pe_create_params params{};
  params.struct_size = sizeof params;
  params.api = host_api();
  params.host = &ctx;
  params.config = ctx.plugin_table;
  params.collector_name = cc.name.c_str();
  params.check_only = check_only ? 1 : 0;
  params.state_dir = cc.state_dir.empty() ? nullptr : cc.state_dir.c_str();
  pe_instance* instance = nullptr;
  const std::size_t errors_before = doc.errors().size();
  const std::string plugin_label = lib.name(), fingerprint = collector_fingerprint_id(cc);
  auto call_site = [&](const char* entry) {  // for the crash record
    return PluginCallSite{cc.name.c_str(), plugin_label.c_str(), fingerprint.c_str(), entry};
  };
  pe_status st;
  {
    const PluginCallSite site = call_site("create");
    PluginCallScope scope(site);
    st = lib.descriptor().create(&params, &instance);
  }
  ctx.creating = false;
  if (cc.plugin_table) doc.report_unused(*cc.plugin_table, cc.plugin_table_path);
  const bool new_errors = doc.errors().size() > errors_before;
  if (st == PE_OK && !new_errors && instance) return instance;
  if (st == PE_OK && instance) {
    const PluginCallSite site = call_site("destroy");
    PluginCallScope scope(site);
    lib.descriptor().destroy(instance);
  } else if (st == PE_OK && !new_errors) {
    doc.error(cc.table, cc.path, "plugin " + lib.name() + " returned no instance");
  }
  if (st != PE_OK && !new_errors) {
    doc.error(cc.table, cc.path,
              "plugin " + lib.name() + " failed to create the collector (status " +
                  std::to_string(st) + "; see the log)");
  }
  return nullptr;
}

}  // namespace

ConfigErrors check_configuration(const LoadResult& loaded) {
  const ExporterConfig* config = loaded.config ? &*loaded.config : loaded.partial.get();
  if (!config) return loaded.errors;  // not even TOML: nothing more to check
  create_collectors(*config, /*check_only=*/true);
  return config->document->sorted_errors();  // the loader's and the plugins' errors
}

CreatedCollectors create_collectors(const ExporterConfig& config, bool check_only,
                                    const std::vector<std::shared_ptr<Collector>>& keep,
                                    const std::vector<QuarantineEntry>& verdicts) {
  CreatedCollectors out;
  std::vector<std::shared_ptr<Collector>> created;
  ConfigDocument& doc = *config.document;
  // A reload may create twice from one document (beside the running
  // collectors, then after stopping them): only this call's errors count.
  const std::size_t errors_before_call = doc.errors().size();
  std::map<std::string, std::shared_ptr<PluginLibrary>> libraries;
  std::string relabel_error;
  std::size_t bad_rule = 0;
  std::shared_ptr<const RelabelProgram> global;
  if (auto p = RelabelProgram::compile(config.relabel, relabel_error, bad_rule))
    global = std::make_shared<const RelabelProgram>(std::move(*p));
  static const toml::table kEmptyTable;

  for (const CollectorConfig& configured : config.collectors) {
    const QuarantineEntry* verdict = verdict_of(verdicts, configured.name);
    // A demoted collector runs isolated: its own copy says so (status, metric).
    CollectorConfig cc = configured;
    if (!cc.isolated && verdict && verdict->demoted) cc.isolated = cc.demoted = true;
    auto kept =
        std::find_if(keep.begin(), keep.end(), [&](const auto& c) { return c->name() == cc.name; });
    if (kept != keep.end()) {
      (*kept)->set_global_relabel(global);
      out.collectors.push_back(*kept);
      continue;
    }
    if (cc.plugin_path.empty()) continue;        // unknown plugin: reported by the loader
    if (verdict && !verdict->demoted) continue;  // quarantined
    std::shared_ptr<isolation::ProcessSupervisor> supervisor;
    std::shared_ptr<PluginLibrary> lib = open_plugin(cc, doc, libraries, supervisor);
    if (!lib) continue;
    auto ctx = std::make_unique<pe_host>();
    ctx->collector_name = cc.name;
    ctx->plugin_name = lib->name();
    ctx->proxy = supervisor.get();
    ctx->doc = &doc;
    ctx->check_only = check_only;
    ctx->creating = true;
    const toml::table* table = cc.plugin_table ? cc.plugin_table : &kEmptyTable;
    ctx->plugin_table = doc.handle(table, cc.plugin_table_path);
    pe_instance* instance = create_instance(cc, *lib, *ctx, doc, check_only);
    if (!instance) continue;
    ctx->doc = nullptr;
    ctx->plugin_table = nullptr;
    RelabelProgram own;
    if (auto p = RelabelProgram::compile(cc.relabel, relabel_error, bad_rule)) own = std::move(*p);
    auto collector =
        std::make_shared<Collector>(cc, lib, std::move(ctx), instance, std::move(own), global);
    created.push_back(collector);
    out.collectors.push_back(std::move(collector));
  }

  report_route_clashes(out.collectors, doc);
  out.errors = doc.sorted_errors(errors_before_call);
  if (check_only || !out.errors.empty()) {
    for (auto& c : created) c->destroy(monotonic_now_ns());
    out.collectors.clear();
  }
  return out;
}

}  // namespace pe::host
