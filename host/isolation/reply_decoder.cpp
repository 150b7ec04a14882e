// reply_decoder.cpp — collect batch replay and HTTP answer decoding.
#include "isolation/reply_decoder.hpp"

namespace pe::host::isolation {

bool replay_collect_batch(FrameReader& r, const pe_host_api& api, pe_sink* sink) {
  thread_local std::vector<pe_label> labels;
  while (!r.failed() && !r.at_end()) {
    switch (static_cast<SinkRecord>(r.u8())) {
      case SinkRecord::family: {
        pe_family f{};
        f.struct_size = sizeof f;
        f.name = r.opt_str();
        f.help = r.opt_str();
        f.type = r.i32();
        f.unit = r.opt_str();
        if (!r.failed()) api.sink_family(sink, &f);
        break;
      }
      case SinkRecord::sample: {
        pe_sample s{};
        s.struct_size = sizeof s;
        s.name = r.opt_str();
        const uint32_t n = r.count(kMaxLabels, 2);
        labels.resize(n);
        for (auto& l : labels) {
          l.name = r.opt_str();
          l.value = r.opt_str();
        }
        s.labels = labels.data();
        s.label_count = n;
        s.value = r.f64();
        s.timestamp_ms = r.i64();
        s.has_timestamp = r.i32();
        if (!r.failed()) api.sink_sample(sink, &s);
        break;
      }
      case SinkRecord::text: {
        std::string_view data = r.str();
        pe_text_options o{};
        o.struct_size = sizeof o;
        o.format = r.i32();
        o.skip_invalid_lines = r.i32();
        if (!r.failed()) api.sink_text(sink, data.data(), data.size(), &o);
        break;
      }
      case SinkRecord::error: {
        std::string_view message = r.str();
        if (!r.failed()) api.sink_error(sink, message.data());
        break;
      }
      case SinkRecord::stat: {
        const char* name = r.opt_str();
        const char* help = r.opt_str();
        const double value = r.f64();
        if (!r.failed()) api.sink_stat(sink, name, help, value);
        break;
      }
      default:
        r.fail();
    }
  }
  return !r.failed();
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
