// write_request_encoder.hpp — Prometheus remote write request bodies: a
// batch of samples becomes one prometheus.WriteRequest (1.0) or one
// io.prometheus.write.v2.Request (2.0: strings interned in a symbol table,
// each series with its family's type, help and unit), compressed with
// snappy's block format, plus the headers each version requires. The
// protobuf and snappy headers stay inside the .cpp.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/remote_write_protocol.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::host::remote_write {

using Protocol = RemoteWriteProtocol;

// One sample of one series; `series` is a key made by make_series_key. The
// family's metadata goes into 2.0 requests only.
struct SeriesSample {
  std::string_view series;
  double value = 0;
  int64_t timestamp_ms = 0;
  MetricType type = MetricType::unknown;
  std::string_view help = {};
  std::string_view unit = {};
};

// Prometheus's staleness marker: the NaN with this exact bit pattern.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
double stale_nan() noexcept;
bool is_stale_nan(double v) noexcept;

// The body of one remote write request: samples as one TimeSeries each, in
// order, serialized and snappy-compressed.
std::string encode_write_request(std::span<const SeriesSample> samples,
                                 Protocol protocol = Protocol::v1);

// The inverse, for tests and tools: snappy-decompresses and parses `body`,
// calling f(labels, value, timestamp_ms) per sample. False with `error` on a
// malformed body.
struct DecodedSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  int64_t timestamp_ms = 0;
  MetricType type = MetricType::unknown;  // 2.0 only
  std::string help = {}, unit = {};       // 2.0 only
};
bool decode_write_request(std::string_view body, std::vector<DecodedSample>& out,
                          std::string& error, Protocol protocol = Protocol::v1);

// A 2.0 body as the 1.0 body of the same samples (metadata is left out): for
// a receiver that turned out to speak 1.0 only. False with `error` if `v2`
// is not a valid 2.0 body.
bool downgrade_to_v1(std::string_view v2, std::string& v1, std::string& error);

// The fixed headers of a remote write request (name, value).
std::vector<std::pair<std::string, std::string>> remote_write_headers(
    Protocol protocol = Protocol::v1);

// The response header in which a 2.0 receiver reports the samples it wrote.
inline constexpr std::string_view kSamplesWrittenHeader =
    "X-Prometheus-Remote-Write-Samples-Written";

// The User-Agent the sender identifies with.
std::string user_agent();

}  // namespace pe::host::remote_write
