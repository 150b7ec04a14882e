// crash_record.hpp — what is left behind when a plugin brings the process
// down in-process: on a fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
// SIGABRT) or an exit() called from inside a plugin call, an
// async-signal-safe handler writes one line on stderr naming the collector,
// the plugin and the entry point, and — with a state directory — the file
// <state_dir>/crash-record, which the next start reads to quarantine that
// collector (collect/quarantine.hpp). The process then dies as it would have
// (the signal's default action, core dump included; exit goes on).
//
// Not caught: _exit(), a kill from outside, a stack overflow in a plugin
// (no alternate signal stack on collector threads).
//
// Thread-safety: install_crash_recorder once, from the main thread, before
// collectors are created; take_crash_record from one thread at start.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pe::host {

struct CrashRecord {
  std::string collector, plugin, fingerprint, entry;
  std::string what;  // "signal 11 (SIGSEGV)" or "exit() called by the plugin"
  int64_t unix_ms = 0;  // when it was written
};

// state_dir may be empty: then only the stderr line is written.
void install_crash_recorder(const std::string& state_dir);

// Reads and removes <state_dir>/crash-record. nullopt when there is none (or
// no state_dir); `error` says why a record that exists could not be read.
std::optional<CrashRecord> take_crash_record(const std::string& state_dir, std::string& error);

}  // namespace pe::host
