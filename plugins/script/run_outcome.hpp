// run_outcome.hpp — what one program run produced, in the form collects serve
// it: the status and reason a failed collect reports, the output to parse,
// and the figures reported beside it. Immutable once made and shared (by
// pointer) between every collect that uses it: joiners of the run, later
// collects served from the cache, collects of a background collector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "plugin_exporter/plugin.h"

namespace pe::script {

struct RunOutcome {
  pe_status status = PE_ERROR;   // PE_OK: `output` is served
  std::string reason;            // why it failed (never the program's stderr)
  std::string output;            // stdout to parse; empty when it is not to be served
  int exit_code = -1;            // -1: the program did not exit by itself (or never ran)
  std::size_t output_bytes = 0;  // stdout bytes read
  bool ran = false;              // false: refused before starting (cap, deadline)
  int64_t started_ns = 0;        // CLOCK_MONOTONIC
  int64_t finished_ns = 0;
};

using SharedOutcome = std::shared_ptr<const RunOutcome>;

}  // namespace pe::script
