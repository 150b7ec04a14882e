// metric_merger_test.cpp — merging collectors' results: one family per name
// with HELP/TYPE once, duplicates dropped and counted, type conflicts
// resolved in configuration order and counted; the output parses back.
#include "collect/metric_merger.hpp"

#include <gtest/gtest.h>

#include "collect/same_content.hpp"
#include "plugin_exporter/exposition/text_parser.hpp"

using namespace pe;
using pe::host::MergeSource;
using pe::host::MergeStats;
using pe::host::MetricMerger;
using pe::host::same_content;
using pe::host::SegmentMemo;

namespace {

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1))
    ++n;
  return n;
}

MetricSet gauge_set(std::string_view help, std::initializer_list<std::string_view> values) {
  MetricSet set;
  set.add_family("go_goroutines", MetricType::gauge, help, !help.empty());
  for (std::string_view v : values) {
    Label l[] = {{"exporter", v}};
    set.add_sample("go_goroutines", l, 1);
  }
  return set;
}

std::string merge(std::vector<MergeSource> sources, MergeStats& stats,
                  ExpositionFormat format = ExpositionFormat::text) {
  std::string out;
  ExpositionWriter writer(format, out);
  MetricMerger merger;
  merger.write(sources, writer, stats);
  writer.finish();
  return out;
}

}  // namespace

TEST(MetricMerger, SameFamilyFromSeveralSourcesIsOneFamily) {
  MetricSet a = gauge_set("Goroutines.", {"node"});
  MetricSet b = gauge_set("Other help.", {"push"});
  MetricSet c = gauge_set("", {"pdns"});
  MergeStats stats;
  std::string out = merge({{&a, "a"}, {&b, "b"}, {&c, "c"}}, stats);
  EXPECT_EQ(count(out, "# TYPE go_goroutines gauge"), 1u) << out;
  EXPECT_EQ(count(out, "# HELP go_goroutines"), 1u) << out;
  EXPECT_NE(out.find("# HELP go_goroutines Goroutines."), std::string::npos) << out;
  EXPECT_EQ(count(out, "go_goroutines{exporter="), 3u) << out;
  EXPECT_EQ(stats.families, 1u);
  EXPECT_EQ(stats.samples, 3u);
  MetricSet parsed;
  ParseOptions opts;
  opts.strict = true;
  ParseResult r = parse_exposition(out, parsed, opts);
  ASSERT_TRUE(r.ok) << r.error.to_string() << "\n" << out;
  EXPECT_EQ(parsed.families.size(), 1u);
  EXPECT_EQ(parsed.samples.size(), 3u);
}

TEST(MetricMerger, DuplicateSeriesAreDroppedAndCountedPerSource) {
  MetricSet a = gauge_set("h", {"x", "y"});
  MetricSet b = gauge_set("h", {"y", "z", "z"});
  MergeStats stats;
  std::string out = merge({{&a, "a"}, {&b, "b"}}, stats);
  EXPECT_EQ(count(out, "go_goroutines{"), 3u) << out;
  EXPECT_EQ(stats.sources[0].duplicates, 0u);
  EXPECT_EQ(stats.sources[1].duplicates, 2u);
}

TEST(MetricMerger, LabelOrderDoesNotMakeADifferentSeries) {
  MetricSet a;
  a.add_family("m", MetricType::gauge);
  Label l1[] = {{"a", "1"}, {"b", "2"}};
  Label l2[] = {{"b", "2"}, {"a", "1"}};
  Label l3[] = {{"b", "1"}, {"a", "2"}};
  a.add_sample("m", l1, 1);
  a.add_sample("m", l2, 2);
  a.add_sample("m", l3, 3);
  MergeStats stats;
  std::string out = merge({{&a, "a"}}, stats);
  EXPECT_EQ(stats.sources[0].duplicates, 1u) << out;
  EXPECT_EQ(stats.samples, 2u);
}

TEST(MetricMerger, TypeConflictKeepsTheFirstSourcesFamily) {
  MetricSet a;
  a.add_family("shared", MetricType::gauge, "g", true);
  a.add_sample("shared", {}, 1);
  MetricSet b;
  b.add_family("shared", MetricType::histogram, "h", true);
  Label le[] = {{"le", "+Inf"}};
  b.add_sample("shared_bucket", le, 1);
  b.add_sample("shared_count", {}, 1);
  b.add_sample("shared_sum", {}, 1);
  MergeStats stats;
  std::string out = merge({{&a, "a"}, {&b, "b"}}, stats);
  EXPECT_NE(out.find("# TYPE shared gauge"), std::string::npos) << out;
  EXPECT_EQ(out.find("shared_bucket"), std::string::npos) << out;
  EXPECT_EQ(stats.sources[1].conflict_samples, 3u);
  ASSERT_EQ(stats.sources[1].conflicting_families.size(), 1u);
  EXPECT_EQ(stats.sources[1].conflicting_families[0], "shared");
  // Swapping the order swaps the winner: deterministic by configuration order.
  MergeStats swapped;
  out = merge({{&b, "b"}, {&a, "a"}}, swapped);
  EXPECT_NE(out.find("# TYPE shared histogram"), std::string::npos) << out;
  EXPECT_EQ(swapped.sources[1].conflict_samples, 1u);
}

TEST(MetricMerger, CounterFromTextAndOpenMetricsSourcesMeet) {
  MetricSet text;  // 0.0.4 style: family named with _total
  text.add_family("requests_total", MetricType::counter, "r", true);
  Label a[] = {{"src", "text"}};
  text.add_sample("requests_total", a, 1);
  MetricSet om;  // OpenMetrics style: family without _total
  om.add_family("requests", MetricType::counter, "r", true);
  Label b[] = {{"src", "om"}};
  om.add_sample("requests_total", b, 2);
  MergeStats stats;
  std::string out = merge({{&text, "t"}, {&om, "o"}}, stats);
  EXPECT_EQ(stats.families, 1u) << out;
  EXPECT_EQ(count(out, "# TYPE "), 1u) << out;
  std::string om_out = merge({{&text, "t"}, {&om, "o"}}, stats, ExpositionFormat::openmetrics);
  EXPECT_EQ(count(om_out, "# TYPE "), 1u) << om_out;
  MetricSet parsed;
  ParseOptions opts;
  opts.format = ExpositionFormat::openmetrics;
  opts.strict = true;
  ParseResult r = parse_exposition(om_out, parsed, opts);
  EXPECT_TRUE(r.ok) << r.error.to_string() << "\n" << om_out;
}

TEST(MetricMerger, GaugeAndCounterOfTheSameStemStayTwoFamilies) {
  // Every Go exporter: gauge go_memstats_alloc_bytes, counter go_memstats_alloc_bytes_total.
  MetricSet go;
  go.add_family("go_memstats_alloc_bytes", MetricType::gauge, "In use.", true);
  go.add_sample("go_memstats_alloc_bytes", {}, 910584);
  go.add_family("go_memstats_alloc_bytes_total", MetricType::counter, "Allocated.", true);
  go.add_sample("go_memstats_alloc_bytes_total", {}, 1.2e7);
  MergeStats stats;
  std::string out = merge({{&go, "go"}}, stats);
  EXPECT_EQ(stats.families, 2u) << out;
  EXPECT_EQ(stats.sources[0].conflict_samples, 0u);
  EXPECT_NE(out.find("\ngo_memstats_alloc_bytes 910584\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\ngo_memstats_alloc_bytes_total 1.2e+07\n"), std::string::npos) << out;
}

// Issue 16/1: the gauge/counter pair of every Go exporter stays two families
// and the OpenMetrics output declares no name twice (the counter is unknown
// "x_total"), even when the two come from different collectors.
TEST(MetricMerger, GoMemstatsPairIsValidOpenMetrics) {
  auto gauge = [](MetricSet& set) {
    set.add_family("go_memstats_alloc_bytes", MetricType::gauge, "In use.", true);
    set.add_sample("go_memstats_alloc_bytes", {}, 1);
  };
  auto counter = [](MetricSet& set) {
    set.add_family("go_memstats_alloc_bytes_total", MetricType::counter, "Allocated.", true);
    set.add_sample("go_memstats_alloc_bytes_total", {}, 2);
  };
  MetricSet both, g, c;
  gauge(both);
  counter(both);
  gauge(g);
  counter(c);
  const std::vector<std::vector<MergeSource>> cases{{{&both, "go"}}, {{&c, "c"}, {&g, "g"}}};
  for (const auto& sources : cases) {
    MergeStats stats;
    const std::string out = merge(sources, stats, ExpositionFormat::openmetrics);
    EXPECT_EQ(count(out, "# HELP go_memstats_alloc_bytes "), 1u) << out;
    EXPECT_EQ(count(out, "# HELP go_memstats_alloc_bytes_total "), 1u) << out;
    EXPECT_EQ(stats.samples, 2u);
    MetricSet parsed;
    ParseOptions opts;
    opts.format = ExpositionFormat::openmetrics;
    opts.strict = true;
    const ParseResult r = parse_exposition(out, parsed, opts);
    EXPECT_TRUE(r.ok) << r.error.to_string() << "\n" << out;
    EXPECT_EQ(parsed.samples.size(), 2u);
  }
}

namespace {

// A collector's result: counters, a histogram (text 0.0.4 defers nothing of
// it, OpenMetrics declares the counter by its stem) and a gauge.
MetricSet service_set(double requests) {
  MetricSet set;
  set.add_family("app_requests_total", MetricType::counter, "Requests.", true);
  Label get[] = {{"method", "GET"}};
  Label post[] = {{"method", "POST"}};
  set.add_sample("app_requests_total", get, requests);
  set.add_sample("app_requests_total", post, 2);
  set.add_sample("app_requests_total", post, 3);  // a duplicate series, dropped
  set.add_family("app_latency_seconds", MetricType::histogram, "Latency.", true);
  Label le1[] = {{"le", "0.1"}};
  Label inf[] = {{"le", "+Inf"}};
  set.add_sample("app_latency_seconds_bucket", le1, 1);
  set.add_sample("app_latency_seconds_bucket", inf, 4);
  set.add_sample("app_latency_seconds_sum", {}, 0.5);
  set.add_sample("app_latency_seconds_count", {}, 4);
  set.add_family("app_temperature", MetricType::gauge, "", false);
  set.add_sample("app_temperature", {}, -1.5);
  return set;
}

}  // namespace

TEST(MetricMerger, AnUnchangedSourceIsCopiedFromItsMemoWithTheSameBytesAndCounts) {
  for (ExpositionFormat format : {ExpositionFormat::text, ExpositionFormat::openmetrics}) {
    MetricSet self = gauge_set("Goroutines.", {"host"});
    MetricSet app = service_set(7);
    MergeStats plain_stats;
    const std::string plain = merge({{&self, "self"}, {&app, "app"}}, plain_stats, format);
    SegmentMemo memo;
    MergeStats first_stats, second_stats;
    const std::string first = merge({{&self, "self"}, {&app, "app", &memo}}, first_stats, format);
    ASSERT_TRUE(memo.get(format)) << "the first merge keeps what it wrote";
    EXPECT_FALSE(memo.get(format == ExpositionFormat::text ? ExpositionFormat::openmetrics
                                                           : ExpositionFormat::text));
    // The memo is what a second merge uses: a marker in the kept bytes shows.
    auto marked = std::make_shared<pe::host::WrittenSegment>(*memo.get(format));
    const std::string original = marked->bytes;
    marked->bytes = "# kept\n";
    memo.put(marked);
    const std::string second = merge({{&self, "self"}, {&app, "app", &memo}}, second_stats, format);
    EXPECT_EQ(first, plain);
    std::string expected = plain;
    expected.replace(expected.find(original), original.size(), "# kept\n");
    EXPECT_EQ(second, expected);
    for (const MergeStats* st : {&first_stats, &second_stats}) {
      EXPECT_EQ(st->families, plain_stats.families);
      EXPECT_EQ(st->samples, plain_stats.samples);
      EXPECT_EQ(st->sources[1].duplicates, 1u);
    }
  }
}

TEST(MetricMerger, ASourceSharingAFamilyIsWrittenNotCopied) {
  MetricSet self = gauge_set("Goroutines.", {"host"});
  MetricSet app = gauge_set("Goroutines.", {"app"});  // the same family as self's
  SegmentMemo memo;
  MergeStats stats;
  const std::string out = merge({{&self, "self"}, {&app, "app", &memo}}, stats);
  EXPECT_FALSE(memo.get(ExpositionFormat::text)) << "its bytes depend on the other source";
  EXPECT_EQ(count(out, "go_goroutines{"), 2u) << out;

  // A family lost to a type conflict makes the source's bytes depend on the other's too.
  MetricSet counter;
  counter.add_family("go_goroutines", MetricType::unknown);  // self's is a gauge
  counter.add_sample("go_goroutines", {}, 1);
  SegmentMemo conflicted;
  MergeStats stats2;
  merge({{&self, "self"}, {&counter, "c", &conflicted}}, stats2);
  ASSERT_EQ(stats2.sources[1].conflict_samples, 1u);
  EXPECT_FALSE(conflicted.get(ExpositionFormat::text));
}

TEST(MetricMerger, OpenMetricsCounterStemDecisionsAreCheckedBeforeCopying) {
  MetricSet app = service_set(7);
  SegmentMemo memo;
  MetricSet empty_self;
  MergeStats s1, s2;
  merge({{&empty_self, "self"}, {&app, "app", &memo}}, s1, ExpositionFormat::openmetrics);
  auto kept = memo.get(ExpositionFormat::openmetrics);
  ASSERT_TRUE(kept);
  // Now another source declares a gauge "app_requests": the counter must be
  // written as unknown "app_requests_total" (no TYPE line), not copied as before.
  MetricSet self;
  self.add_family("app_requests", MetricType::gauge);
  self.add_sample("app_requests", {}, 1);
  const std::string out =
      merge({{&self, "self"}, {&app, "app", &memo}}, s2, ExpositionFormat::openmetrics);
  EXPECT_NE(out.find("# HELP app_requests_total Requests."), std::string::npos) << out;
  EXPECT_EQ(out.find("# TYPE app_requests counter"), std::string::npos) << out;
  EXPECT_NE(memo.get(ExpositionFormat::openmetrics), kept) << "written again and kept anew";
}

TEST(MetricSetContent, EqualOnlyWhenEveryValueNameAndLabelIsEqual) {
  EXPECT_TRUE(same_content(service_set(7), service_set(7)));
  EXPECT_FALSE(same_content(service_set(7), service_set(8)));
  MetricSet a = service_set(7), b = service_set(7);
  b.labels[0].value = "PUT";
  EXPECT_FALSE(same_content(a, b));
  b = service_set(7);
  b.families[2].help = "Now with help.";
  EXPECT_FALSE(same_content(a, b));
  b = service_set(7);
  b.samples[0].has_timestamp = true;
  EXPECT_FALSE(same_content(a, b));
  b = service_set(7);
  b.add_sample("app_temperature", {}, 1);
  EXPECT_FALSE(same_content(a, b));
  MetricSet zero = service_set(0), negative_zero = service_set(-0.0);
  EXPECT_FALSE(same_content(zero, negative_zero)) << "written differently: 0 and -0";
}
