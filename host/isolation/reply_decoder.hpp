// reply_decoder.hpp — decoding what a collector-runner child answers: the
// batch of sink records of one collect (replayed into the host's real sink
// through pe_sink's own entry points, the ones the host api's sink_* wrap,
// so merging, validation and limits are those of an in-process plugin),
// and the answer to one forwarded HTTP request. The input comes from a
// child that may be hostile: bounds-checked throughout
// (isolation/runner_protocol.hpp); false means "kill that child".
//
// Thread-safety: stateless functions; one call per reader.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "isolation/runner_protocol.hpp"
#include "plugin/collect_sink.hpp"
#include "plugin_exporter/plugin.h"

namespace pe::host::isolation {

// Replays the records left in `r` (after id and status) into `sink`. Records before a malformed one
// have been replayed already; the caller fails the collect then (its samples are discarded).
bool replay_collect_batch(FrameReader& r, pe_sink& sink);

struct HttpAnswer {
  pe_status status = PE_ERROR;
  int32_t code = 0;                                                    // 0: none set (200)
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // NUL-terminated views
  std::string_view body;
};
// Decodes the rest of an http_done frame (after the id).
bool decode_http_answer(FrameReader& r, HttpAnswer& out);

}  // namespace pe::host::isolation
