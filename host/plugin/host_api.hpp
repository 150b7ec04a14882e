// host_api.hpp — the services table (pe_host_api) the host hands every
// plugin: logging, clock, configuration reading, the metrics sink, HTTP
// responses. One static table for the whole process.
#pragma once

#include "plugin_exporter/plugin.h"

namespace pe::host {

const pe_host_api* host_api() noexcept;

}  // namespace pe::host

namespace pe::host {
// CLOCK_MONOTONIC in nanoseconds: the clock of every deadline.
int64_t monotonic_now_ns() noexcept;
// Wall clock, milliseconds since the Unix epoch (what plugins get as realtime_ms).
int64_t unix_now_ms() noexcept;
}  // namespace pe::host
