// script_plugin.cpp — the `script` plugin's descriptor: one collector runs
// one program and serves the metrics it prints. Collects with different
// parameters may run concurrently (PE_CAP_CONCURRENT_COLLECT): a slow run for
// one target must not hold up another; equal ones are coalesced.
#include "plugin_exporter/plugin.hpp"
#include "script_collector.hpp"

PE_DEFINE_CPP_PLUGIN(pe::script::ScriptCollector, "script", "1.0.0",
                     "Runs a program (no shell) and serves the metrics it prints; coalesced "
                     "runs, timeouts that kill the process group, allowlisted parameters",
                     PE_CAP_CONCURRENT_COLLECT)
