// exporter.hpp — the process's lifecycle: load and validate the
// configuration, create the collectors, serve HTTP, and on SIGTERM/SIGINT
// shut down gracefully (stop accepting, finish in-flight work within a bound,
// destroy every instance, unload). Also the --check-config path.
#pragma once

#include "app/cli_options.hpp"

namespace pe::host {

// Validates configuration and plugins; prints problems to stderr. Exit code.
int check_config(const CliOptions& options);

// Runs until a termination signal. Exit code.
int run_exporter(const CliOptions& options);

}  // namespace pe::host
