// write_request_encoder.cpp — protobuf-lite + snappy encoding of remote
// write 1.0 requests.
#include "remote_write/write_request_encoder.hpp"

#include <snappy.h>

#include <cstring>

#include "remote_write.pb.h"
#include "remote_write/series_key.hpp"

namespace pe::host::remote_write {

double stale_nan() noexcept {
  double v;
  uint64_t bits = kStaleNaNBits;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

bool is_stale_nan(double v) noexcept {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof v);
  return bits == kStaleNaNBits;
}

std::string encode_write_request(std::span<const SeriesSample> samples) {
  prometheus::WriteRequest request;
  request.mutable_timeseries()->Reserve(static_cast<int>(samples.size()));
  for (const SeriesSample& s : samples) {
    prometheus::TimeSeries* ts = request.add_timeseries();
    for_each_label(s.series, [&](std::string_view name, std::string_view value) {
      prometheus::Label* l = ts->add_labels();
      l->set_name(name.data(), name.size());
      l->set_value(value.data(), value.size());
    });
    prometheus::Sample* sample = ts->add_samples();
    sample->set_value(s.value);
    sample->set_timestamp(s.timestamp_ms);
  }
  std::string raw;
  request.SerializeToString(&raw);
  std::string compressed;
  snappy::Compress(raw.data(), raw.size(), &compressed);
  return compressed;
}

bool decode_write_request(std::string_view body, std::vector<DecodedSample>& out,
                          std::string& error) {
  std::string raw;
  if (!snappy::Uncompress(body.data(), body.size(), &raw)) {
    error = "not a snappy block";
    return false;
  }
  prometheus::WriteRequest request;
  if (!request.ParseFromString(raw)) {
    error = "not a prometheus.WriteRequest";
    return false;
  }
  for (const prometheus::TimeSeries& ts : request.timeseries()) {
    std::vector<std::pair<std::string, std::string>> labels;
    for (const prometheus::Label& l : ts.labels()) labels.emplace_back(l.name(), l.value());
    for (const prometheus::Sample& s : ts.samples())
      out.push_back(DecodedSample{labels, s.value(), s.timestamp()});
  }
  return true;
}

std::vector<std::pair<std::string, std::string>> remote_write_headers() {
  return {{"Content-Type", "application/x-protobuf"},
          {"Content-Encoding", "snappy"},
          {"X-Prometheus-Remote-Write-Version", "0.1.0"},
          {"User-Agent", user_agent()}};
}

std::string user_agent() {
  return std::string("plugin_exporter/") + PE_VERSION;
}

}  // namespace pe::host::remote_write
