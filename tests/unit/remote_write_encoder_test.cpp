// remote_write_encoder_test.cpp — remote write 1.0 bodies decoded with the
// real libraries (snappy::Uncompress, the generated prometheus.WriteRequest):
// labels sorted with __name__, values and timestamps exact, the staleness
// NaN's bit pattern kept, the spec's headers.
#include <gtest/gtest.h>
#include <snappy.h>

#include <cmath>
#include <cstring>

#include "remote_write.pb.h"
#include "remote_write/series_key.hpp"
#include "remote_write/write_request_encoder.hpp"

namespace pe::host::remote_write {
namespace {

std::string key_of(std::vector<LabelPair> labels) {
  std::string key;
  make_series_key(labels, key);
  return key;
}

TEST(RemoteWriteEncoder, DecodesWithSnappyAndProtobuf) {
  std::string a = key_of({{"job", "x"}, {"__name__", "up"}, {"instance", "h:1"}});
  std::string b = key_of({{"__name__", "temp_celsius"},
                          {"room",
                           "k\xc3\xbc"
                           "che"}});
  std::vector<SeriesSample> samples{
      {a, 1, 1700000000123}, {b, -12.5, 1700000000456}, {a, stale_nan(), 1700000015123}};
  std::string body = encode_write_request(samples);

  std::string raw;
  ASSERT_TRUE(snappy::IsValidCompressedBuffer(body.data(), body.size()));
  ASSERT_TRUE(snappy::Uncompress(body.data(), body.size(), &raw));
  prometheus::WriteRequest req;
  ASSERT_TRUE(req.ParseFromString(raw));
  ASSERT_EQ(req.timeseries_size(), 3);

  const auto& t0 = req.timeseries(0);
  ASSERT_EQ(t0.labels_size(), 3);
  EXPECT_EQ(t0.labels(0).name(), "__name__");
  EXPECT_EQ(t0.labels(0).value(), "up");
  EXPECT_EQ(t0.labels(1).name(), "instance");
  EXPECT_EQ(t0.labels(1).value(), "h:1");
  EXPECT_EQ(t0.labels(2).name(), "job");
  ASSERT_EQ(t0.samples_size(), 1);
  EXPECT_EQ(t0.samples(0).value(), 1);
  EXPECT_EQ(t0.samples(0).timestamp(), 1700000000123);

  const auto& t1 = req.timeseries(1);
  EXPECT_EQ(t1.labels(1).value(),
            "k\xc3\xbc"
            "che");
  EXPECT_EQ(t1.samples(0).value(), -12.5);
  EXPECT_EQ(t1.samples(0).timestamp(), 1700000000456);

  double stale = req.timeseries(2).samples(0).value();
  uint64_t bits;
  std::memcpy(&bits, &stale, sizeof bits);
  EXPECT_EQ(bits, 0x7ff0000000000002ULL);
  EXPECT_TRUE(is_stale_nan(stale));
  EXPECT_FALSE(is_stale_nan(std::nan("")));
}

TEST(RemoteWriteEncoder, RoundTripsThroughItsOwnDecoder) {
  std::string a = key_of({{"__name__", "x"}, {"empty", ""}});
  std::vector<SeriesSample> samples{{a, 3.25, -5}};
  std::vector<DecodedSample> out;
  std::string error;
  ASSERT_TRUE(decode_write_request(encode_write_request(samples), out, error)) << error;
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].labels.size(), 2u);
  EXPECT_EQ(out[0].labels[1].first, "empty");
  EXPECT_EQ(out[0].labels[1].second, "");
  EXPECT_EQ(out[0].value, 3.25);
  EXPECT_EQ(out[0].timestamp_ms, -5);
  EXPECT_FALSE(decode_write_request("not snappy at all", out, error));
}

TEST(RemoteWriteEncoder, EmptyBatchIsAnEmptyRequest) {
  std::string raw;
  std::string body = encode_write_request({});
  ASSERT_TRUE(snappy::Uncompress(body.data(), body.size(), &raw));
  EXPECT_TRUE(raw.empty());
}

TEST(RemoteWriteEncoder, SpecHeaders) {
  auto h = remote_write_headers();
  auto find = [&](const std::string& n) {
    for (auto& [k, v] : h)
      if (k == n) return v;
    return std::string("<absent>");
  };
  EXPECT_EQ(find("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(find("Content-Encoding"), "snappy");
  EXPECT_EQ(find("X-Prometheus-Remote-Write-Version"), "0.1.0");
  EXPECT_EQ(find("User-Agent").rfind("plugin_exporter/", 0), 0u);
}

}  // namespace
}  // namespace pe::host::remote_write
