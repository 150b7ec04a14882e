// push_body_test.cpp — decoding push bodies: text 0.0.4, OpenMetrics, the
// delimited protobuf stream (built with the generated classes from our
// schema), gzip, and every refusal with its message.
#include "body/push_body.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>

#include "metric_family.pb.h"
#include "plugin_exporter/exposition/gzip_decoder.hpp"
#include "push_test_support.hpp"
#include "store/push_error.hpp"

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
  EXPECT_EQ(
      refusal("a 1 1700000000000\n").second.find("must not have timestamps") != std::string::npos,
      true);
  EXPECT_EQ(refusal("a{x=\"1\"} 1\na{x=\"1\"} 2\n").first, 400);
  EXPECT_NE(refusal("a{x=\"1\"} 1\na{x=\"1\"} 2\n").second.find("appears twice"),
            std::string::npos);
  // Only the grouping label distinguished them: the same series once it is replaced.
  EXPECT_NE(refusal("a{instance=\"x\"} 1\na{instance=\"y\"} 2\n").second.find("appears twice"),
            std::string::npos);
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
  EXPECT_EQ(decode("a 1 1700000000000\n", "", "", ts).families[0]->series()[0].timestamp_ms,
            1700000000000);
}

// Issue 16/2: one push must not stall the gateway. The shape limits refuse
// with 413 (documented defaults: 10000 families, 64 labels per series,
// 1024-byte label names, 16384-byte label values), and the duplicate checks
// still work on long inputs with the limits off (sorted, not quadratic:
// the speed is in bench/push/push_bench.cpp).
std::string families_body(std::size_t n, bool duplicate_last) {
  std::string body;
  for (std::size_t i = 0; i < n; ++i) body += "f" + std::to_string(i) + " 1\n";
  if (duplicate_last) body += "# TYPE f0 gauge\nf0 2\n";
  return body;
}

std::string labels_body(std::size_t n, bool duplicate_last) {
  std::string body = "m{";
  for (std::size_t i = 0; i < n; ++i) body += "l" + std::to_string(i) + "=\"v\",";
  body += duplicate_last ? "l0=\"w\"" : "last=\"v\"";
  return body + "} 1\n";
}

TEST(PushBody, ShapeLimitsRefuseWith413) {
  auto families = refusal(families_body(100000, false));
  EXPECT_EQ(families.first, 413) << families.second;
  EXPECT_NE(families.second.find("max_families_per_push"), std::string::npos);
  auto labels = refusal(labels_body(80000, false));
  EXPECT_EQ(labels.first, 413) << labels.second;
  EXPECT_NE(labels.second.find("max_labels_per_series"), std::string::npos);
  EXPECT_EQ(decode(labels_body(63, false)).families[0]->series()[0].label_count, 64u);
  EXPECT_EQ(refusal(labels_body(64, false)).first, 413);
  auto name = refusal("m{" + std::string(1025, 'n') + "=\"v\"} 1\n");
  EXPECT_EQ(name.first, 413);
  EXPECT_NE(name.second.find("max_label_name_bytes"), std::string::npos);
  auto value = refusal("m{n=\"" + std::string(16385, 'v') + "\"} 1\n");
  EXPECT_EQ(value.first, 413);
  EXPECT_NE(value.second.find("max_label_value_bytes"), std::string::npos);
  EXPECT_EQ(decode("m{n=\"" + std::string(16384, 'v') + "\"} 1\n").series, 1u);
  // Protobuf bodies go through the same rules.
  wire::MetricFamily mf;
  mf.set_name("p");
  mf.set_type(wire::GAUGE);
  auto* metric = mf.add_metric();
  metric->mutable_gauge()->set_value(1);
  for (int i = 0; i < 65; ++i) {
    auto* l = metric->add_label();
    l->set_name("l" + std::to_string(i));
    l->set_value("v");
  }
  EXPECT_EQ(refusal(delimited({mf}), kProtobufType).first, 413);
}

TEST(PushBody, DuplicatesInLongPushesAreFoundWithLimitsOff) {
  BodyLimits off;
  off.rules.max_families_per_push = 0;
  off.rules.max_labels_per_series = 0;
  EXPECT_EQ(decode(families_body(20000, false), "", "", off).families.size(), 20000u);
  // The text parser refuses a family twice itself; the assembler's own check
  // is what protobuf bodies rely on.
  std::vector<wire::MetricFamily> fams;
  for (int i = 0; i < 20000; ++i) {
    wire::MetricFamily mf;
    mf.set_name("f" + std::to_string(i));
    mf.set_type(wire::GAUGE);
    mf.add_metric()->mutable_gauge()->set_value(1);
    fams.push_back(mf);
  }
  fams.push_back(fams[0]);
  auto twice = refusal(delimited(fams), kProtobufType, off);
  EXPECT_EQ(twice.first, 400) << twice.second;
  EXPECT_NE(twice.second.find("appears twice"), std::string::npos);
  EXPECT_EQ(decode(labels_body(5000, false), "", "", off).families[0]->series()[0].label_count,
            5001u);
  wire::MetricFamily mf;
  mf.set_name("p");
  mf.set_type(wire::GAUGE);
  auto* metric = mf.add_metric();
  metric->mutable_gauge()->set_value(1);
  for (int i = 0; i < 5000; ++i) {
    auto* l = metric->add_label();
    l->set_name("l" + std::to_string(i));
    l->set_value("v");
  }
  metric->add_label()->set_name("l4999");
  metric->mutable_label(5000)->set_value("w");
  auto label_twice = refusal(delimited({mf}), kProtobufType, off);
  EXPECT_EQ(label_twice.first, 400) << label_twice.second;
  EXPECT_NE(label_twice.second.find("appears twice"), std::string::npos);
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
  EXPECT_NE(refusal(delimited({n}), kProtobufType).second.find("native histograms"),
            std::string::npos);

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
  EXPECT_NE(refusal(delimited({stamped}), kProtobufType).second.find("timestamps"),
            std::string::npos);
}

}  // namespace
}  // namespace pe::push
