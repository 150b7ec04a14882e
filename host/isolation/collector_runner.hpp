// collector_runner.hpp — the child side of isolation = "process": the hidden
// mode `plugin_exporter --collector-runner FD PLUGIN_PATH HOST_PID
// [MEMORY_LIMIT_BYTES [USER]]` that hardens itself, loads the one plugin
// (the same ABI check as in-process), and serves it a pe_host_api of its own
// over the socket FD: clocks local, config calls forwarded to the host
// during create, logs forwarded, sink calls recorded into one batch per
// collect (sink_family/sink_sample return PE_OK here: the host's real sink
// decides when it replays them; sink_text is parsed here as well, so its
// status is the real one). A collect or HTTP request is served by the thread
// that read it, while another thread reads on (leader/followers).
#pragma once

namespace pe::host::isolation {

// The option that selects the mode (kept out of --help).
inline constexpr const char* kRunnerFlag = "--collector-runner";

// Runs the mode; argv[0] is the program, argv[1] kRunnerFlag. Returns the
// process exit status (it normally exits after destroy or when the host's
// end of the socket closes).
int run_collector_runner(int argc, char** argv);

}  // namespace pe::host::isolation
