// crash_record.hpp — what is left behind when a plugin brings the process
// down in-process: on a fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
// SIGABRT) or an exit() called from inside a plugin call
// (plugin/plugin_call_scope.hpp), an async-signal-safe handler writes one
// logfmt line on stderr naming the collector, the plugin, the entry point and
// the signal, and — with a state directory — the file
// <state_dir>/crash-record through a directory fd opened at install, which
// the next start reads to quarantine that collector (collect/quarantine.hpp).
// The process then dies as it would have without us: the handler that was
// installed before (the default action, or a sanitizer's) gets the signal —
// a fault re-executes and faults again, a sent signal (abort, kill) is raised
// again — so the exit status (signal, core dump) is unchanged; exit() goes on
// with the plugin's status.
//
// Not caught: _exit(), SIGKILL (OOM killer), a crash on a thread the plugin
// started itself, a stack overflow (no alternate signal stack on collector
// threads). A process a plugin forks leaves no record (only the exporter's
// own pid writes one). A crash inside a host function the plugin called (sink, log) is
// recorded against the plugin call it happened in.
//
// Thread-safety: install_crash_recorder once, from the main thread, before
// collectors are created; read/remove_crash_record from one thread at start.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pe::host {

struct CrashRecord {
  std::string collector, plugin, fingerprint;
  std::string entry;      // "create", "collect", "handle_http", "destroy"
  std::string signal;     // "SIGSEGV", ... or "exit" (exit() called by the plugin)
  int signal_number = 0;  // 0 for exit
  int64_t unix_ms = 0;    // when it was written
};

// File name of the record inside the state directory.
inline constexpr const char* kCrashRecordName = "crash-record";

// Installs the handlers (once per process). With a state_dir (created if
// missing) the record file is written too; without, only the stderr line.
// False, with `error`, when the state directory cannot be opened (the
// handlers are installed anyway).
bool install_crash_recorder(const std::string& state_dir, std::string& error);

// Reads <state_dir>/crash-record. nullopt when there is none (or no
// state_dir); then `error` is set when a file exists but cannot be read or
// names no collector.
std::optional<CrashRecord> read_crash_record(const std::string& state_dir, std::string& error);

// Removes the record (after its collector's quarantine is saved).
void remove_crash_record(const std::string& state_dir);

}  // namespace pe::host
