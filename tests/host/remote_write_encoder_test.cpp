// remote_write_encoder_test.cpp — remote write 1.0 and 2.0 bodies decoded
// with the real libraries (snappy::Uncompress, the generated
// prometheus.WriteRequest and io.prometheus.write.v2.Request): labels sorted
// with __name__, values and timestamps exact, the staleness NaN's bit pattern
// kept, 2.0's symbol table and metadata, the downgrade to 1.0, the headers.
#include <gtest/gtest.h>
#include <snappy.h>

#include <cmath>
#include <cstring>
#include <set>

#include "remote_write.pb.h"
#include "remote_write_v2.pb.h"
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


TEST(RemoteWriteEncoder, Version2InternsStringsAndCarriesMetadata) {
  std::string a = key_of({{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "200"}});
  std::string b = key_of({{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "500"}});
  std::string c = key_of({{"__name__", "temp"}, {"job", "api"}});
  std::vector<SeriesSample> samples{
      {a, 10, 1000, MetricType::counter, "Requests.", ""},
      {b, 2, 1000, MetricType::counter, "Requests.", ""},
      {c, 21.5, 1001, MetricType::gauge, "", "celsius"},
      {c, stale_nan(), 2000}};  // a stale marker: no metadata
  std::string body = encode_write_request(samples, Protocol::v2);

  // Read with the generated v2 classes, not our own decoder.
  std::string raw;
  ASSERT_TRUE(snappy::Uncompress(body.data(), body.size(), &raw));
  io::prometheus::write::v2::Request req;
  ASSERT_TRUE(req.ParseFromString(raw));
  ASSERT_GE(req.symbols_size(), 1);
  EXPECT_EQ(req.symbols(0), "");
  // Every string once: "", 3 names, their values, help, unit.
  std::set<std::string> unique(req.symbols().begin(), req.symbols().end());
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(req.symbols_size()));
  ASSERT_EQ(req.timeseries_size(), 4);
  const auto& t0 = req.timeseries(0);
  ASSERT_EQ(t0.labels_refs_size(), 6);
  EXPECT_EQ(req.symbols(static_cast<int>(t0.labels_refs(0))), "__name__");
  EXPECT_EQ(req.symbols(static_cast<int>(t0.labels_refs(1))), "http_requests_total");
  EXPECT_EQ(req.symbols(static_cast<int>(t0.labels_refs(2))), "code");  // sorted by name
  EXPECT_EQ(req.symbols(static_cast<int>(t0.labels_refs(3))), "200");
  EXPECT_EQ(t0.metadata().type(), io::prometheus::write::v2::Metadata::METRIC_TYPE_COUNTER);
  EXPECT_EQ(req.symbols(static_cast<int>(t0.metadata().help_ref())), "Requests.");
  EXPECT_EQ(t0.metadata().unit_ref(), 0u);
  EXPECT_EQ(req.timeseries(1).metadata().help_ref(), t0.metadata().help_ref());
  EXPECT_EQ(req.symbols(static_cast<int>(req.timeseries(2).metadata().unit_ref())), "celsius");
  EXPECT_FALSE(req.timeseries(3).has_metadata());
  EXPECT_TRUE(is_stale_nan(req.timeseries(3).samples(0).value()));
  EXPECT_EQ(req.timeseries(2).samples(0).timestamp(), 1001);

  // Our decoder agrees, and a downgrade keeps every sample for a 1.0 receiver.
  std::vector<DecodedSample> v2;
  std::string error;
  ASSERT_TRUE(decode_write_request(body, v2, error, Protocol::v2)) << error;
  ASSERT_EQ(v2.size(), 4u);
  EXPECT_EQ(v2[2].type, MetricType::gauge);
  EXPECT_EQ(v2[2].unit, "celsius");
  std::string v1_body;
  ASSERT_TRUE(downgrade_to_v1(body, v1_body, error)) << error;
  std::vector<DecodedSample> v1;
  ASSERT_TRUE(decode_write_request(v1_body, v1, error)) << error;
  ASSERT_EQ(v1.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(v1[i].labels, v2[i].labels);
    EXPECT_EQ(v1[i].timestamp_ms, v2[i].timestamp_ms);
  }
  EXPECT_EQ(v1[0].value, 10);
  EXPECT_TRUE(is_stale_nan(v1[3].value));
}

TEST(RemoteWriteEncoder, Version2DecoderRefusesBadReferences) {
  io::prometheus::write::v2::Request req;
  req.add_symbols("");
  req.add_symbols("__name__");
  auto* ts = req.add_timeseries();
  ts->add_labels_refs(1);
  ts->add_labels_refs(7);  // beyond the table
  std::string raw, body;
  req.SerializeToString(&raw);
  snappy::Compress(raw.data(), raw.size(), &body);
  std::vector<DecodedSample> out;
  std::string error;
  EXPECT_FALSE(decode_write_request(body, out, error, Protocol::v2));
  EXPECT_NE(error.find("out of the symbol table"), std::string::npos) << error;
  std::string v1;
  EXPECT_FALSE(downgrade_to_v1(body, v1, error));
}

TEST(RemoteWriteEncoder, Version2Headers) {
  auto h = remote_write_headers(Protocol::v2);
  auto find = [&](const std::string& n) {
    for (auto& [k, v] : h)
      if (k == n) return v;
    return std::string("<absent>");
  };
  EXPECT_EQ(find("Content-Type"), "application/x-protobuf;proto=io.prometheus.write.v2.Request");
  EXPECT_EQ(find("Content-Encoding"), "snappy");
  EXPECT_EQ(find("X-Prometheus-Remote-Write-Version"), "2.0.0");
}

}  // namespace
}  // namespace pe::host::remote_write
