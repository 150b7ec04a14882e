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
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "isolation/runner_protocol.hpp"
#include "plugin/collect_sink.hpp"
#include "plugin_exporter/plugin.h"

namespace pe::host::isolation {

// The host's side of one collect's label name table (LabelNameCodes): each
// name the child sent with kNewLabelName, checked and interned by the sink
// once. Thread-safety: one collect's; used by one thread at a time.
class ReplayedLabelNames {
 public:
  struct Entry {
    std::string_view name;  // interned by the sink when valid, else kept in invalid_
    bool valid = false;
  };
  std::size_t size() const noexcept { return entries_.size(); }
  const Entry& operator[](std::size_t i) const { return entries_[i]; }
  const Entry& add(pe_sink& sink, std::string_view name);

 private:
  std::vector<Entry> entries_;       // indexed once per label of every sample
  std::deque<std::string> invalid_;  // a deque: an invalid name's text never moves
};

// The label values of one collect_part (runner_protocol.hpp: begin_part),
// given out in order. The first one asks the sink to check and keep the
// whole block (pe_sink::checked_label_values); when it does, a value is a
// view into that copy, checked when it starts and ends on a character
// boundary. Otherwise (invalid UTF-8 or a NUL somewhere, or the sample
// limit reached) a value is a view into the part, up to its first NUL as
// a C string reads, left to the sink to check and copy.
// Thread-safety: one part's; used by one thread.
class PartStrings {
 public:
  explicit PartStrings(std::string_view block) noexcept : block_(block) {}
  // The next `n` bytes as a value, and whether the sink may take it as
  // checked; false when the block holds fewer.
  bool take(uint32_t n, pe_sink& sink, std::string_view& out, bool& checked) {
    if (block_.size() - at_ < n) return false;
    if (state_ == State::unseen) check(sink);  // the first value
    const std::size_t at = at_;
    at_ += n;
    if (state_ == State::checked) {
      out = std::string_view(kept_ + at, n);
      // Valid UTF-8 alone too when it starts and ends on a character boundary.
      checked = n == 0 ||
                (!continuation(block_[at]) && (at_ == block_.size() || !continuation(block_[at_])));
    } else {
      out = block_.substr(at, n);
      out = out.substr(0, out.find('\0'));  // a C string ends at its NUL
      checked = false;
    }
    return true;
  }

 private:
  static bool continuation(char c) noexcept {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
  }
  void check(pe_sink& sink);  // the whole block, once
  enum class State : uint8_t { unseen, checked, unchecked };
  std::string_view block_;
  std::size_t at_ = 0;
  State state_ = State::unseen;
  const char* kept_ = nullptr;  // the sink's copy of block_ when checked
};

// Replays the records in `r` into `sink`, their label values taken from
// `strings`; `names` is the collect's table, kept across its parts.
// Records before a malformed one have been replayed already; the caller
// fails the collect then (its samples are discarded).
bool replay_collect_batch(FrameReader& r, PartStrings& strings, pe_sink& sink,
                          ReplayedLabelNames& names);

// Replays one collect_part's payload after its id: records_bytes, the
// records, their strings.
bool replay_collect_part(std::string_view part, pe_sink& sink, ReplayedLabelNames& names);

// Replays the whole frames in `bytes` from `at` on — the stream of
// collect_part frames of collect `id` a child wrote into its shared ring —
// and moves `at` past them; an incomplete frame at the end waits for more
// bytes. False on anything else there: another frame type or collect, a
// length out of bounds, a malformed batch.
bool replay_part_frames(std::string_view bytes, std::size_t& at, uint64_t id, pe_sink& sink,
                        ReplayedLabelNames& names);

struct HttpAnswer {
  pe_status status = PE_ERROR;
  int32_t code = 0;                                                    // 0: none set (200)
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // NUL-terminated views
  std::string_view body;
};
// Decodes the rest of an http_done frame (after the id).
bool decode_http_answer(FrameReader& r, HttpAnswer& out);

}  // namespace pe::host::isolation
