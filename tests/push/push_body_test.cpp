// push_body_test.cpp — decoding push bodies: text 0.0.4, OpenMetrics, the
// delimited protobuf stream (built with the generated classes from our
// schema), gzip, and every refusal with its message.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>

#include "metric_family.pb.h"
#include "plugin_exporter/exposition/gzip_decoder.hpp"
#include "push_body.hpp"
#include "push_error.hpp"
#include "push_test_support.hpp"

namespace pe::push {
namespace {

namespace wire = plugin_exporter::push::wire;
using test::key;

const GroupingKey kKey = key({{"job", "j"}, {"instance", "i"}});

PushedFamilies decode(const std::string& body, const std::string& content_type = "",
                      const std::string& encoding = "", BodyLimits limits = {}) {
  PushedFamilies out;
  decode_push_body(body, content_type, encoding, kKey, limits, out);
  return out;
}

std::pair<int, std::string> refusal(const std::string& body, const std::string& content_type = "",
                                    BodyLimits limits = {}) {
  try {
    decode(body, content_type, "", limits);
  } catch (const PushError& e) {
    return {e.status(), e.what()};
  }
  return {0, ""};
}

std::string delimited(const std::vector<wire::MetricFamily>& families) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream sos(&out);
    google::protobuf::io::CodedOutputStream cos(&sos);
    for (const auto& f : families) {
      cos.WriteVarint32(static_cast<uint32_t>(f.ByteSizeLong()));
      f.SerializeWithCachedSizes(&cos);
    }
  }
  return out;
}

constexpr const char* kProtobufType =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

TEST(PushBody, TextFamiliesAndGroupingLabelsWin) {
  PushedFamilies p = decode(
      "# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total{job=\"other\",kind=\"a\"} 3\n"
      "# TYPE temp gauge\ntemp 21.5\n");
  ASSERT_EQ(p.families.size(), 2u);
  EXPECT_EQ(p.series, 2u);
  const StoredFamily& f = *p.families[0];
  EXPECT_EQ(f.name(), "jobs_total");
  EXPECT_EQ(f.type(), MetricType::counter);
  EXPECT_EQ(f.help(), "Jobs.");
  ASSERT_EQ(f.size(), 1u);
  // job="other" was dropped: the group's job wins at scrape time.
  ASSERT_EQ(f.labels_of(f.series()[0]).size(), 1u);
  EXPECT_EQ(f.str(f.labels_of(f.series()[0])[0].name), "kind");
}

TEST(PushBody, OpenMetricsByContentTypeAndByEof) {
  const std::string om = "# TYPE req counter\nreq_total 5\nreq_created 1.7e9\n# EOF\n";
  PushedFamilies a = decode(om, "application/openmetrics-text; version=1.0.0");
  ASSERT_EQ(a.families.size(), 1u);
  EXPECT_EQ(a.families[0]->size(), 2u);
  PushedFamilies b = decode(om, "text/plain");
  EXPECT_EQ(b.families[0]->name(), "req");
}

TEST(PushBody, Gzip) {
  std::string gz;
  gzip_compress("a 1\nb 2\n", gz);
  EXPECT_EQ(decode(gz, "", "gzip").series, 2u);
  auto [status, message] = [&] {
    try {
      decode("not gzip", "", "gzip");
    } catch (const PushError& e) {
      return std::pair<int, std::string>(e.status(), e.what());
    }
    return std::pair<int, std::string>(0, "");
  }();
  EXPECT_EQ(status, 400);
  EXPECT_NE(message.find("invalid gzip body"), std::string::npos);
  // A bomb: 1 MiB of zeros decompressed against a 1 KiB cap.
  std::string big(1 << 20, '#'), bomb;
  gzip_compress(big, bomb);
  BodyLimits limits;
  limits.max_decompressed_bytes = 1024;
  try {
    decode(bomb, "", "gzip", limits);
    FAIL() << "no refusal";
  } catch (const PushError& e) {
    EXPECT_EQ(e.status(), 413);
    EXPECT_EQ(e.limit(), "max_decompressed_bytes");
  }
}

TEST(PushBody, Refusals) {
  EXPECT_EQ(refusal("a 1 1700000000000\n").second.find("must not have timestamps") != std::string::npos, true);
  EXPECT_EQ(refusal("a{x=\"1\"} 1\na{x=\"1\"} 2\n").first, 400);
  EXPECT_NE(refusal("a{x=\"1\"} 1\na{x=\"1\"} 2\n").second.find("appears twice"), std::string::npos);
  // Only the grouping label distinguished them: the same series once it is replaced.
  EXPECT_NE(refusal("a{instance=\"x\"} 1\na{instance=\"y\"} 2\n").second.find("appears twice"), std::string::npos);
  EXPECT_NE(refusal("push_time_seconds 1\n").second.find("reserved"), std::string::npos);
  EXPECT_NE(refusal("plugin_exporter_push_groups 1\n").second.find("reserved"), std::string::npos);
  EXPECT_NE(refusal("a{__x=\"1\"} 1\n").second.find("improper label name"), std::string::npos);
  auto parse = refusal("ok 1\nbad line here\n");
  EXPECT_EQ(parse.first, 400);
  EXPECT_NE(parse.second.find("line 2:"), std::string::npos) << parse.second;
  auto type_twice = refusal("# TYPE a gauge\n# TYPE a gauge\na 1\n");
  EXPECT_EQ(type_twice.first, 400);
  auto histogram_without_le = refusal("# TYPE h histogram\nh_bucket 1\n");
  EXPECT_EQ(histogram_without_le.first, 400);
  BodyLimits limits;
  limits.rules.max_series_per_push = 2;
  auto many = refusal("a 1\nb 2\nc 3\n", "", limits);
  EXPECT_EQ(many.first, 413);
  EXPECT_NE(many.second.find("max_series_per_push"), std::string::npos);
  BodyLimits ts;
  ts.rules.allow_timestamps = true;
  EXPECT_EQ(decode("a 1 1700000000000\n", "", "", ts).families[0]->series()[0].timestamp_ms, 1700000000000);
}

TEST(PushBody, EmptyFamiliesAreDropped) {
  PushedFamilies p = decode("# HELP a nothing\n# TYPE a gauge\nb 1\n");
  ASSERT_EQ(p.families.size(), 1u);
  EXPECT_EQ(p.families[0]->name(), "b");
  EXPECT_EQ(decode("").families.size(), 0u);
}

TEST(PushBody, ProtobufStream) {
  wire::MetricFamily c;
  c.set_name("requests_total");
  c.set_help("Requests.");
  c.set_type(wire::COUNTER);
  auto* m = c.add_metric();
  auto* l = m->add_label();
  l->set_name("code");
  l->set_value("200");
  m->mutable_counter()->set_value(7);
  wire::MetricFamily h;
  h.set_name("latency_seconds");
  h.set_type(wire::HISTOGRAM);
  auto* hm = h.add_metric();
  auto* hist = hm->mutable_histogram();
  hist->set_sample_count(3);
  hist->set_sample_sum(1.5);
  auto* b1 = hist->add_bucket();
  b1->set_upper_bound(0.1);
  b1->set_cumulative_count(1);
  auto* b2 = hist->add_bucket();
  b2->set_upper_bound(1);
  b2->set_cumulative_count(2);
  wire::MetricFamily s;
  s.set_name("rpc");
  s.set_type(wire::SUMMARY);
  auto* sm = s.add_metric()->mutable_summary();
  sm->set_sample_count(4);
  sm->set_sample_sum(2);
  auto* q = sm->add_quantile();
  q->set_quantile(0.5);
  q->set_value(0.25);

  PushedFamilies p = decode(delimited({c, h, s}), kProtobufType);
  ASSERT_EQ(p.families.size(), 3u);
  EXPECT_EQ(p.families[0]->name(), "requests_total");
  EXPECT_EQ(p.families[0]->series()[0].value, 7);
  const StoredFamily& hf = *p.families[1];
  ASSERT_EQ(hf.size(), 5u);  // 0.1, 1, +Inf buckets, _sum, _count
  EXPECT_EQ(hf.str(hf.series()[2].name), "latency_seconds_bucket");
  EXPECT_EQ(hf.str(hf.labels_of(hf.series()[2])[0].value), "+Inf");
  EXPECT_EQ(hf.series()[2].value, 3);
  EXPECT_EQ(hf.str(hf.series()[3].name), "latency_seconds_sum");
  const StoredFamily& sf = *p.families[2];
  ASSERT_EQ(sf.size(), 3u);
  EXPECT_EQ(sf.str(sf.labels_of(sf.series()[0])[0].value), "0.5");
}

TEST(PushBody, ProtobufRefusals) {
  wire::MetricFamily g;
  g.set_name("g");
  g.set_type(wire::GAUGE);
  g.add_metric()->mutable_counter()->set_value(1);  // wrong value kind
  auto wrong = refusal(delimited({g}), kProtobufType);
  EXPECT_EQ(wrong.first, 400);
  EXPECT_NE(wrong.second.find("protobuf message 0 at byte 0"), std::string::npos) << wrong.second;

  wire::MetricFamily n;
  n.set_name("native");
  n.set_type(wire::HISTOGRAM);
  auto* nh = n.add_metric()->mutable_histogram();
  nh->set_schema(3);
  nh->add_positive_span()->set_length(1);
  EXPECT_NE(refusal(delimited({n}), kProtobufType).second.find("native histograms"), std::string::npos);

  wire::MetricFamily ok;
  ok.set_name("ok");
  ok.set_type(wire::GAUGE);
  ok.add_metric()->mutable_gauge()->set_value(1);
  std::string body = delimited({ok});
  auto torn = refusal(body.substr(0, body.size() - 1), kProtobufType);
  EXPECT_EQ(torn.first, 400);
  EXPECT_NE(torn.second.find("exceeds"), std::string::npos) << torn.second;
  auto garbage = refusal(std::string("\x05\xff\xff\xff\xff\xff", 6), kProtobufType);
  EXPECT_EQ(garbage.first, 400);

  wire::MetricFamily stamped = ok;
  stamped.mutable_metric(0)->set_timestamp_ms(5);
  EXPECT_NE(refusal(delimited({stamped}), kProtobufType).second.find("timestamps"), std::string::npos);
}

}  // namespace
}  // namespace pe::push
