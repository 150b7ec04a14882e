// reply_decoder.cpp — collect batch replay and HTTP answer decoding.
#include "isolation/reply_decoder.hpp"

namespace pe::host::isolation {

const ReplayedLabelNames::Entry& ReplayedLabelNames::add(pe_sink& sink, std::string_view name) {
  if (const auto checked = sink.checked_label_name(name))
    return entries_.emplace_back(Entry{*checked, true});
  return entries_.emplace_back(Entry{invalid_.emplace_back(name), false});
}

void PartStrings::check(pe_sink& sink) {
  const auto kept = sink.checked_label_values(block_);
  kept_ = kept ? kept->data() : nullptr;
  state_ = kept ? State::checked : State::unchecked;
}

namespace {

// One sample record (runner_protocol.hpp: write_sample_record). Labels whose
// names the table holds as checked, with values the part's strings hold as
// checked, go the sink's short way; any other sample goes through every
// check, for the same drops and reasons as in process.
inline void replay_sample(FrameReader& r, PartStrings& strings, pe_sink& sink,
                          ReplayedLabelNames& names) {
  thread_local std::vector<LabelView> labels;
  const uint8_t flags = r.u8();
  if (flags & ~(kSampleHasName | kSampleHasTimestamp)) r.fail();
  // Strings are read as the C strings a pe_sample holds: pe_sink checks
  // them as it checks a pe_sample, without copying the record first.
  const std::string_view name = flags & kSampleHasName ? r.vcstr() : std::string_view();
  const uint32_t n = r.vcount(kMaxLabels, 2);
  labels.resize(n);
  bool checked = true, values_checked = true;
  for (auto& l : labels) {
    const uint32_t code = r.varint();
    if (code == kInlineLabelName) {
      l.name = r.vcstr();
      checked = false;
    } else if (code == kNewLabelName) {
      const std::string_view raw = r.vcstr();
      if (r.failed() || names.size() >= kMaxLabelNameCodes) return r.fail();
      const ReplayedLabelNames::Entry& e = names.add(sink, raw);
      l.name = e.name;
      checked = checked && e.valid;
    } else {
      const uint32_t i = code - kFirstLabelNameIndex;
      if (i >= names.size()) return r.fail();
      l.name = names[i].name;
      checked = checked && names[i].valid;
    }
    bool value_checked = false;
    if (!strings.take(r.varint(), sink, l.value, value_checked)) return r.fail();
    values_checked = values_checked && value_checked;
  }
  const double value = r.f64();
  const int64_t timestamp_ms = flags & kSampleHasTimestamp ? r.i64() : 0;
  if (r.failed()) return;
  sink.sample(name, labels, value, flags & kSampleHasTimestamp, timestamp_ms, checked,
              values_checked);
}

}  // namespace

bool replay_collect_batch(FrameReader& reader, PartStrings& strings, pe_sink& sink,
                          ReplayedLabelNames& names) {
  // Decoded from a local copy: the sink cannot reach it, so its position
  // stays in registers across the sink's calls.
  FrameReader r = reader;
  struct WriteBack {
    FrameReader& to;
    const FrameReader& from;
    ~WriteBack() { to = from; }
  } write_back{reader, r};
  while (!r.failed() && !r.at_end()) {
    const auto type = static_cast<SinkRecord>(r.u8());
    if (type == SinkRecord::sample) {  // nearly every record
      replay_sample(r, strings, sink, names);
      continue;
    }
    switch (type) {
      case SinkRecord::family: {
        pe_family f{};
        f.struct_size = sizeof f;
        f.name = r.opt_str();
        f.help = r.opt_str();
        f.type = r.i32();
        f.unit = r.opt_str();
        if (!r.failed()) sink.family(f);
        break;
      }
      case SinkRecord::text: {
        const std::string_view data = r.str();
        const pe_format format = r.i32();
        const int32_t skip_invalid_lines = r.i32();
        if (!r.failed()) sink.text(data.data(), data.size(), format, skip_invalid_lines != 0);
        break;
      }
      case SinkRecord::error: {
        std::string_view message = r.str();
        if (!r.failed()) sink.set_error(message.data());
        break;
      }
      case SinkRecord::stat: {
        const char* name = r.opt_str();
        const char* help = r.opt_str();
        const double value = r.f64();
        if (!r.failed()) sink.stat(name, help, value);
        break;
      }
      default:
        r.fail();
    }
  }
  return !r.failed();
}

bool replay_collect_part(std::string_view part, pe_sink& sink, ReplayedLabelNames& names) {
  FrameReader header(part.data(), part.size());
  const uint32_t records_bytes = header.u32();
  if (header.failed() || part.size() - 4 < records_bytes) return false;
  FrameReader records(part.data() + 4, records_bytes);
  PartStrings strings(part.substr(4 + std::size_t{records_bytes}));
  return replay_collect_batch(records, strings, sink, names);
}

bool replay_part_frames(std::string_view bytes, std::size_t& at, uint64_t id, pe_sink& sink,
                        ReplayedLabelNames& names) {
  while (bytes.size() - at >= 4) {
    const uint32_t len = frame_length(bytes.data() + at);
    if (len < 1 + sizeof id || len > kMaxFrameBytes) return false;
    if (bytes.size() - at - 4 < len) break;
    const char* frame = bytes.data() + at + 4;
    FrameReader r(frame + 1, len - 1);
    if (static_cast<FrameType>(frame[0]) != FrameType::collect_part || r.u64() != id ||
        !replay_collect_part(std::string_view(frame + 1 + sizeof id, len - 1 - sizeof id), sink,
                             names))
      return false;
    at += 4 + std::size_t{len};
  }
  return true;
}

bool decode_http_answer(FrameReader& r, HttpAnswer& out) {
  out.status = r.i32();
  out.code = r.i32();
  const uint32_t n = r.count(kMaxLabels, 10);
  out.headers.assign(n, {});
  for (auto& [k, v] : out.headers) {
    k = r.str();
    v = r.str();
  }
  out.body = r.str();
  return !r.failed() && r.at_end();
}

}  // namespace pe::host::isolation
