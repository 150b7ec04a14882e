// write_request_encoder.hpp — Prometheus remote_write 1.0 request bodies: a
// batch of samples becomes one prometheus.WriteRequest (protobuf), compressed
// with snappy's block format, plus the headers the spec requires. The
// protobuf and snappy headers stay inside the .cpp.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pe::host::remote_write {

// One sample of one series; `series` is a key made by make_series_key.
struct SeriesSample {
  std::string_view series;
  double value = 0;
  int64_t timestamp_ms = 0;
};

// Prometheus's staleness marker: the NaN with this exact bit pattern.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
double stale_nan() noexcept;
bool is_stale_nan(double v) noexcept;

// The body of one remote write request: samples as one TimeSeries each, in
// order, serialized and snappy-compressed.
std::string encode_write_request(std::span<const SeriesSample> samples);

// The inverse, for tests and tools: snappy-decompresses and parses `body`,
// calling f(labels, value, timestamp_ms) per sample. False with `error` on a
// malformed body.
struct DecodedSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  int64_t timestamp_ms = 0;
};
bool decode_write_request(std::string_view body, std::vector<DecodedSample>& out,
                          std::string& error);

// The fixed headers of a remote write 1.0 request (name, value).
std::vector<std::pair<std::string, std::string>> remote_write_headers();

// The User-Agent the sender identifies with.
std::string user_agent();

}  // namespace pe::host::remote_write
