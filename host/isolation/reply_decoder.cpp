// reply_decoder.cpp — collect batch replay and HTTP answer decoding.
#include "isolation/reply_decoder.hpp"

namespace pe::host::isolation {

bool replay_collect_batch(FrameReader& r, pe_sink& sink) {
  thread_local std::vector<LabelView> labels;
  while (!r.failed() && !r.at_end()) {
    switch (static_cast<SinkRecord>(r.u8())) {
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
      case SinkRecord::sample: {
        // Views, read as the C strings a pe_sample holds: pe_sink checks
        // them as it checks a pe_sample, without copying the record first.
        const std::string_view name = r.opt_cstr();
        const uint32_t n = r.count(kMaxLabels, 2);
        labels.resize(n);
        for (auto& l : labels) {
          l.name = r.opt_cstr();
          l.value = r.opt_cstr();
        }
        const double value = r.f64();
        const int64_t timestamp_ms = r.i64();
        const int32_t has_timestamp = r.i32();
        if (!r.failed()) sink.sample(name, labels, value, has_timestamp != 0, timestamp_ms);
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
